import Foundation
import Engines
import MirrorCore
import MirrorModels
import MirrorTraining

/// Turns `mirror train`'s flags into a `TrainingRun` and reports its progress.
struct TrainRunner {
    let args: ParsedArguments
    let console: Console

    init(_ args: ParsedArguments, console: Console) {
        self.args = args
        self.console = console
    }

    func run() throws -> Int32 {
        let data = try trainingSet()
        let quiet = args.flag("quiet")
        let saveDirectory = try args.required("save-dir")
        let restoreStep = args.isSet("ckpt-path") ? nil : try args.int("ckpt-step", in: 0...Int.max)

        // Initial weights: a snapshot when resuming, else --weights / --ckpt-path / the default model.
        // (The seed's --ckpt_step alone names a snapshot in --save-dir, not a TF checkpoint step.)
        var initialArgs = args
        if restoreStep != nil { initialArgs.values["ckpt-step"] = nil }
        var model = try ModelSelection.resolve(initialArgs)
        let architecture = model.architecture
        let hyperparameters = try self.hyperparameters(for: architecture, scenes: data.scenes.count)
        try FileManager.default.createDirectory(atPath: saveDirectory, withIntermediateDirectories: true)

        var resume: ResumePoint?
        if let step = restoreStep {
            resume = try ResumePoint.read(TrainingSnapshot(directory: saveDirectory, step: step), architecture: architecture,
                                          widthDivisor: 1, hyperparameters: hyperparameters)
        } else if args.flag("resume") {
            resume = try ResumePoint.latest(in: saveDirectory, architecture: architecture, widthDivisor: 1,
                                            hyperparameters: hyperparameters) { snapshot, error in
                console.warning("skipping snapshot \(snapshot.step) in \(saveDirectory): \(error)")
            }
            if resume == nil { console.warning("no snapshot to resume in \(saveDirectory); starting from \(model.origin)") }
        }
        var initialWeights = model.origin
        if let resume {
            model = ModelSelection.Selection(architecture: architecture, archive: resume.weights, origin: resume.snapshot.weightsPath)
            initialWeights = resume.info.initialWeights
        }

        let network = try TrainableNetwork(architecture, weights: model.archive, trainableFrom: hyperparameters.trainableFrom)
        guard network.canTrain(height: hyperparameters.imageSize, width: hyperparameters.imageSize) else {
            throw UsageError("--img-size \(hyperparameters.imageSize) is too small for \(architecture.rawValue)", command: "train")
        }
        let threads = try SharedOptions.threads(args) ?? ProcessInfo.processInfo.activeProcessorCount
        let kind = BackendKind(rawValue: try args.choice("backend")!)!
        let trainer = TrainingStep(network: network, hyperparameters: hyperparameters,
                                   backend: makeBackend(kind: kind, threads: threads))
        if let resume { try trainer.restore(resume.optimizer, source: resume.snapshot.statePath) }

        let sampler = TripletSampler(set: data, batchSize: hyperparameters.batchSize,
                                     hardNegatives: args.isSet("hard-negatives"), seed: hyperparameters.seed)
        if let cap = sampler.capMessage { console.warning(cap) }
        let badLog = (saveDirectory as NSString).appendingPathComponent("bad_images.txt")
        let loader = TrainingBatchLoader(sampler: sampler, imageSize: hyperparameters.imageSize,
                                         normalization: network.normalization, augment: hyperparameters.augment,
                                         threads: threads) { bad in
            console.warning("skipping training image \(bad.path): \(bad.reason) (listed in \(badLog))")
            if !FileManager.default.fileExists(atPath: badLog) {
                _ = FileManager.default.createFile(atPath: badLog, contents: nil)
            }
            if let handle = FileHandle(forWritingAtPath: badLog) {
                handle.seekToEndOfFile()
                handle.write(Data("\(bad.path)\t\(bad.reason)\n".utf8))
                try? handle.close()
            }
        }
        let schedule = TrainingSchedule(saveDirectory: saveDirectory,
                                        maxSteps: try args.int("max-steps", in: 1...Int.max)!,
                                        snapshotEvery: try args.int("snapshot", in: 1...Int.max)!,
                                        keepSnapshots: try args.int("keep", in: 0...Int.max)!)
        let template = SnapshotInfo(step: 0, architecture: architecture.rawValue, widthDivisor: 1,
                                    hyperparameters: hyperparameters, weightsSHA256: "", backend: kind.rawValue,
                                    threads: threads, data: data.source, initialWeights: initialWeights)
        let completed = resume?.info.step ?? 0
        if let resume, resume.info.backend != kind.rawValue || resume.info.threads != threads {
            console.warning("snapshot \(resume.info.step) was trained with --backend \(resume.info.backend) --threads "
                            + "\(resume.info.threads); continuing with \(kind.rawValue)/\(threads) gives a valid run that is "
                            + "not byte-identical to an uninterrupted one")
        }
        let run = TrainingRun(trainer: trainer, loader: loader, schedule: schedule, template: template, completed: completed)
        let log = try TrainingLog(path: (saveDirectory as NSString).appendingPathComponent("train_log.jsonl"),
                                  keepThrough: completed)
        let display = try args.int("display", in: 1...Int.max)!
        let progress = quiet ? nil : ProgressReporter(console: console, label: "mirror train", unit: "step")
        if !quiet {
            console.err("mirror train: \(architecture.rawValue) from \(model.origin), \(data.images.count) images in "
                        + "\(data.scenes.count) scenes (\(data.source)), B=\(sampler.batchSize) at \(hyperparameters.imageSize)², "
                        + "\(kind.rawValue) × \(threads) threads → \(saveDirectory)")
        }
        progress?.start(total: schedule.maxSteps, alreadyDone: completed)
        try run.run(log: log, onStep: { report in
            if (report.step + 1) % display == 0 || report.step + 1 == schedule.maxSteps {
                progress?.note(Self.displayLines(report).joined(separator: "\n"))
            }
            progress?.advance()
        }, onSnapshot: { snapshot in
            if !quiet { progress?.note("mirror train: snapshot \(snapshot.weightsPath)") }
        })
        progress?.finish()
        return 0
    }

    /// The seed's display lines: `step N, EASY loss in stage s = L, accuracy = A (x sec/step)`.
    static func displayLines(_ report: StepReport) -> [String] {
        report.terms.map { term in
            String(format: "step %d, %@ loss in stage %@ = %.8f, accuracy = %.4f (%.3f sec/step, lr %.3g)",
                   report.step + 1, term.term.uppercased(), term.stage, term.loss, term.accuracy, report.seconds,
                   report.learningRate)
        } + [String(format: "step %d, total loss = %.8f (weight decay %.6f)", report.step + 1, report.totalLoss,
                    report.weightDecayLoss)]
    }

    private func trainingSet() throws -> TrainingSet {
        let positive = try args.double("positive-overlap", in: 0...1)!
        let hard = try args.double("hard-negatives", in: 0...1)
        if let hard, hard > positive {
            throw UsageError("--hard-negatives \(hard) must not exceed --positive-overlap \(positive)", command: "train")
        }
        switch (args.string("gl3d"), args.string("pairs")) {
        case (let root?, nil):
            for name in ["pairs", "image-list", "image-root", "positive-overlap"] where args.isSet(name) {
                throw UsageError("--\(name) belongs to --pairs data, not --gl3d", command: "train")
            }
            return try TrainingSet.gl3d(root: root)
        case (nil, let pairs?):
            return try TrainingSet.pairs(imageList: try args.required("image-list"), pairs: pairs,
                                         imageRoot: args.string("image-root"), positiveOverlap: positive,
                                         hardNegativeOverlap: hard)
        case (.some, .some): throw UsageError("give either --gl3d or --pairs, not both", command: "train")
        case (nil, nil): throw UsageError("training data is required: --gl3d ROOT or --pairs PAIRS.tsv --image-list LIST",
                                          command: "train")
        }
    }

    private func hyperparameters(for architecture: Architecture, scenes: Int) throws -> TrainingHyperparameters {
        let size = try args.int("img-size", in: 32...4096)!
        guard size % 32 == 0 else { throw UsageError("--img-size \(size) is not a multiple of 32", command: "train") }
        let defaultBatch = architecture == .efficientNetLite0 ? 8 : 16
        return TrainingHyperparameters(
            batchSize: try args.int("batch-size", in: 2...4096) ?? defaultBatch, imageSize: size,
            loss: TripletLossKind(rawValue: try args.choice("loss")!)!, withWeak: args.flag("with-weak"),
            withHard: args.flag("with-hard"), optimizer: OptimizerKind(rawValue: try args.choice("optimizer")!)!,
            baseLearningRate: try args.double("base-lr", in: 0...10)!,
            gamma: try args.double("gamma", in: 0...1)!, stepValue: try args.int("stepvalue", in: 1...Int.max)!,
            momentum: try args.double("momentum", in: 0...1)!, weightDecay: try args.double("weight-decay", in: 0...1)!,
            seed: UInt64(try args.int("seed", in: 0...Int.max)!), augment: !args.flag("no-augment"),
            trainableFrom: args.string("trainable-from"), featureNorm: args.flag("feature-norm") ? true : nil)
    }
}

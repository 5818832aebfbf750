import Engines
import Foundation
import MirrorCore
import MirrorModels
import MirrorTraining

/// `mirror bench --task train`: one full training step (forward, the seed's softmin loss with weak
/// and hard terms on every stage, backward, momentum-SGD update) on a fixed synthetic batch of 3B
/// images, per engine: ms per step, images per second, peak RSS. Synthetic weights (the fixture
/// formula) and inputs: timing does not depend on values. The PyTorch reference doing the same
/// step is `Fixtures/scripts/bench_train_torch.py` (Docs/BENCHMARKS.md, "Training").
enum TrainBench {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        let architecture = Architecture(rawValue: try args.choice("net")!)!
        let size = args.isSet("img-size") ? try args.int("img-size", in: 32...4096)! : 224
        let batch = try args.int("batch-size", in: 2...1024) ?? 8
        let repeats = try args.int("repeats", in: 1...10000)!, warmup = try args.int("warmup", in: 0...10000)!
        let threads = try SharedOptions.threads(args) ?? defaultThreadCount
        let choice = try args.choice("backend")!
        let kinds = choice == "all" ? [BackendKind.simd, .blas] : [BackendKind(rawValue: choice)!]
        let network = try TrainableNetwork(architecture, weights: architecture.syntheticArchive())
        guard network.canTrain(height: size, width: size) else {
            throw UsageError.invalidValue("img-size", "\(size)", command: args.command, reason: "too small for \(architecture.rawValue)")
        }
        let one = SyntheticWeights.input(height: size, width: size)
        // 3B different images: the same synthetic image shifted in value per slot, so no two
        // pooled features tie and the loss does real work.
        var data = [Float]()
        data.reserveCapacity(3 * batch * one.count)
        for slot in 0..<(3 * batch) { data += one.data.map { $0 * (1 + 0.01 * Float(slot)) } }
        let images = Tensor(shape: [3 * batch, size, size, 3], data: data)
        let hyperparameters = TrainingHyperparameters(batchSize: batch, imageSize: size, withWeak: true, withHard: true)
        for kind in kinds {
            let engine = makeBackend(kind: kind, threads: threads)
            let profiler = args.flag("layer") ? OpProfilingBackend(engine) : nil
            let step = TrainingStep(network: network, hyperparameters: hyperparameters, backend: profiler ?? engine)
            var index = 0
            var phases: [StepReport.Phases] = []
            let stats = BenchTiming.measure(warmup: warmup, repeats: repeats) {
                if index == warmup { profiler?.reset() }
                if let report = try? step.run(step: index, images: images), index >= warmup { phases.append(report.phases) }
                index += 1
            }
            func median(_ phase: KeyPath<StepReport.Phases, Double>) -> Double {
                BenchTiming.Stats(samples: phases.map { $0[keyPath: phase] }).median * 1000
            }
            let record: [(String, JSON)] = [
                ("task", .string("train")), ("engine", .string(kind.rawValue)), ("net", .string(architecture.rawValue)),
                ("img_size", .integer(size)), ("batch_size", .integer(batch)), ("images_per_step", .integer(3 * batch)),
                ("threads", .integer(threads)), ("ms_median", .number(stats.median * 1000)),
                ("ms_min", .number(stats.min * 1000)), ("ms_max", .number(stats.max * 1000)),
                ("images_per_second", .number(Double(3 * batch) / stats.median)), ("repeats", .integer(repeats)),
                ("ms_forward", .number(median(\.forward))), ("ms_loss", .number(median(\.loss))),
                ("ms_backward", .number(median(\.backward))), ("ms_update", .number(median(\.update))),
                ("peak_rss_mb", .number(BenchTiming.peakRSSMegabytes())),
            ]
            if args.flag("json") {
                console.out(JSON.object(record).text)
            } else {
                console.out(String(format: "train %@ %@ @%d, %d triplets (%d images) ×%d threads: %.0f ms/step (min %.0f, max %.0f; "
                                   + "forward %.0f, loss %.0f, backward %.0f, update %.0f), %.1f images/s, peak RSS %.0f MB",
                                   kind.rawValue, architecture.rawValue, size, batch, 3 * batch, threads, stats.median * 1000,
                                   stats.min * 1000, stats.max * 1000, median(\.forward), median(\.loss), median(\.backward),
                                   median(\.update), Double(3 * batch) / stats.median, BenchTiming.peakRSSMegabytes()))
            }
            profiler?.report(steps: repeats, console: console)
        }
        return 0
    }
}

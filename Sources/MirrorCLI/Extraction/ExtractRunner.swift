import Engines
import Foundation
import MirrorCore
import MirrorImageIO
import MirrorModels
import MirrorRetrieval

/// `mirror extract` from validated options to files: model and engine set-up, the image list (or
/// the Oxford queries), the shard, the batch run, and the reports (`failed.txt`, lists).
enum ExtractRunner {
    static func run(_ options: ExtractOptions, args: ParsedArguments, console: Console) throws -> Int32 {
        var options = options
        let selection = try ModelSelection.resolve(args)
        (options.imageSize, options.rmacSteps, options.dct) = try ModelSelection.extractionSettings(
            args, selection: selection, imageSize: options.imageSize, rmacSteps: options.rmacSteps, dct: options.dct)
        try options.checkMultiScale(args)
        let configuration = FeatureExtractor.Configuration(
            imageSize: options.imageSize, steps: options.rmacSteps, multiScale: options.multiScale,
            pool: RegionalPoolingMode(rawValue: options.pool)!, dct: DCTMethod(rawValue: options.dct)!)
        let (extractor, _, shape) = try makeExtractor(args, selection: selection, configuration: configuration,
                                                      backend: options.backend, threads: options.threads)
        let network = extractor.network, backend = extractor.backend

        // Which images, and where their features go.
        var images: [String]
        var listingFolder = options.outputFolder ?? FileManager.default.currentDirectoryPath
        var outputFolder = options.outputFolder
        if let groundTruth = args.string("oxford-gt") {
            let queryFolder = options.outputFolder ?? "oxford_queries"
            images = try OxfordQueries.prepare(groundTruthDirectory: groundTruth, imageList: try args.required("img-list"),
                                               outputFolder: queryFolder, crop: args.flag("crop-queries"))
            outputFolder = queryFolder
            listingFolder = queryFolder
        } else if let list = options.imageList {
            images = try ImageList.read(listPath: list, root: args.string("gl3d-root"))
        } else {
            images = try ImageList.expand(options.inputs)
        }
        let allImages = images
        if let shard = options.shard { images = Array(ImageList.shard(images, index: shard.index, count: shard.count)) }
        let outputs = images.map { OutputNaming.outputPath(for: $0, folder: outputFolder, suffix: options.suffix) }
        try OutputNaming.checkCollisions(images: images, outputs: outputs)
        for folder in [outputFolder, listingFolder].compactMap({ $0 }) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        if !options.quiet {
            console.err("mirror extract: \(images.count) images\(options.shard.map { " (shard \($0.index)/\($0.count) of \(allImages.count))" } ?? ""), "
                        + "\(network.architecture.rawValue) from \(selection.origin), \(backend.kind.rawValue) engine × \(backend.threads) threads, "
                        + "S=\(options.imageSize), steps \(configuration.effectiveSteps.map(String.init).joined(separator: ","))"
                        + "\(options.multiScale ? " multi-scale" : ""), \(options.pool) → [\(shape[0]), \(shape[1])] per image")
        }
        let summary = try extract(images: images, outputs: outputs, extractor: extractor, shape: shape,
                                  overwrite: options.overwrite, quiet: options.quiet, listingFolder: listingFolder,
                                  writeLists: options.shard == nil,
                                  positionalInputs: options.imageList == nil && args.string("oxford-gt") == nil, console: console)
        return summary.failures.isEmpty ? 0 : 1
    }

    /// The model (`--net`/`--weights`/`--ckpt-*` rules), the engine, and the `[D, R]` every image gives.
    static func makeExtractor(_ args: ParsedArguments, selection: ModelSelection.Selection, configuration: FeatureExtractor.Configuration,
                              backend: String, threads: Int?) throws -> (FeatureExtractor, ModelSelection.Selection, [Int]) {
        let network = try FeatureNetwork(selection.architecture, weights: selection.archive)
        let engine = makeBackend(kind: BackendKind(rawValue: backend)!, threads: threads)
        let extractor = FeatureExtractor(network: network, backend: engine, configuration: configuration)
        guard let shape = extractor.outputShape else {
            throw UsageError.invalidValue("img-size", "\(configuration.imageSize)", command: args.command,
                                          reason: "too small for \(network.architecture.rawValue) "
                                            + "(minimum \(network.architecture.minimumInputSize))")
        }
        return (extractor, selection, shape)
    }

    /// Runs the batch with progress and writes the reports; returns what happened.
    static func extract(images: [String], outputs: [String], extractor: FeatureExtractor, shape: [Int], overwrite: Bool,
                        quiet: Bool, listingFolder: String, writeLists: Bool, positionalInputs: Bool,
                        console: Console) throws -> BatchExtractor<[Tensor]>.Summary {
        let batch = BatchExtractor<[Tensor]>(images: images, outputs: outputs, expectedShape: shape, overwrite: overwrite,
                                             prepare: extractor.prepare, compute: extractor.compute)
        let summary = batch.run(progress: quiet ? nil : ProgressReporter(console: console, label: "extract"))
        try writeReports(summary, images: images, outputs: outputs, listingFolder: listingFolder,
                         writeLists: writeLists, positionalInputs: positionalInputs)
        if !quiet || !summary.failures.isEmpty {
            console.err("mirror extract: \(summary.written) written, \(summary.skipped) already done, \(summary.failures.count) failed"
                        + (summary.failures.isEmpty ? "" : " (reasons in \(listingFolder)/failed.txt)"))
        }
        return summary
    }

    /// `failed.txt` (path, tab, reason) when anything failed — removed when a run has no failures, so
    /// a stale report never outlives its cause; `feature_list.txt` (and `image_list.txt` for folder
    /// inputs) in image order, for `mirror index`/`query`. Sharded runs write no shared lists.
    private static func writeReports(_ summary: BatchExtractor<[Tensor]>.Summary, images: [String], outputs: [String],
                                     listingFolder: String, writeLists: Bool, positionalInputs: Bool) throws {
        let failedPath = (listingFolder as NSString).appendingPathComponent("failed.txt")
        if summary.failures.isEmpty {
            try? FileManager.default.removeItem(atPath: failedPath)
        } else {
            let text = summary.failures.map { "\($0.image)\t\($0.reason)\n" }.joined()
            try AtomicFile.write(Array(text.utf8), to: failedPath)
        }
        guard writeLists else { return }
        let failed = Set(summary.failures.map(\.image))
        // Absolute paths, like the seed's `ls -d $PWD/*.npy` lists.
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let good = zip(images, outputs).filter { !failed.contains($0.0) }.map { (absolute($0.0), absolute($0.1)) }
        try AtomicFile.write(Array(good.map { $0.1 + "\n" }.joined().utf8),
                             to: (listingFolder as NSString).appendingPathComponent("feature_list.txt"))
        if positionalInputs {
            try AtomicFile.write(Array(good.map { $0.0 + "\n" }.joined().utf8),
                                 to: (listingFolder as NSString).appendingPathComponent("image_list.txt"))
        }
    }
}

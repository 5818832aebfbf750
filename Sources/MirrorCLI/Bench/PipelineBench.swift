import Engines
import Foundation
import MirrorCore
import MirrorImageIO
import MirrorModels
import MirrorRetrieval

/// `mirror bench --task pipeline`: the whole `mirror extract` path (decode, preprocess, network,
/// pooling, atomic writes) over generated JPEGs of mixed sizes, against the network-only rate:
/// the time the network stage itself took in the same run. The ratio shows how much of the
/// decode/preprocess/write the prefetch thread hides. Peak RSS is per process, so compare runs
/// with different `--images`.
enum PipelineBench {
    /// Mixed aspect ratios and sizes, as a photo collection has.
    static let sizes: [(width: Int, height: Int)] = [(1024, 768), (768, 1024), (1600, 1200), (640, 480), (1200, 1200), (2048, 1365)]

    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        let architecture = Architecture(rawValue: try args.choice("net")!)!
        let size = try args.int("img-size", in: 16...4096)!
        let count = args.isSet("images") ? try args.int("images", in: 1...1_000_000)! : 50
        let threads = try SharedOptions.threads(args) ?? defaultThreadCount
        let choice = try args.choice("backend")!
        let kind = BackendKind(rawValue: choice == "all" ? "blas" : choice)!
        let network = try FeatureNetwork(architecture, weights: architecture.syntheticArchive())
        let extractor = FeatureExtractor(network: network, backend: makeBackend(kind: kind, threads: threads),
                                         configuration: .init(imageSize: size, steps: [1, 3, 5], multiScale: false, pool: .max))
        guard let shape = extractor.outputShape else {
            throw UsageError.invalidValue("img-size", "\(size)", command: args.command, reason: "too small for \(architecture.rawValue)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var images: [String] = []
        for index in 0..<count {
            let (width, height) = sizes[index % sizes.count]
            let path = directory + String(format: "/image_%05d.jpg", index)
            try AtomicFile.write(JPEGEncoder.encode(syntheticPhoto(width: width, height: height, seed: index), quality: 90), to: path)
            images.append(path)
        }

        // The network's share is timed inside the same run (the compute stage of every image), so
        // the ratio says whether decode/preprocess/write hide behind it, whatever else the machine
        // is doing meanwhile.
        let outputs = images.map { OutputNaming.outputPath(for: $0, folder: directory + "/out", suffix: ".npy") }
        var networkSeconds = 0.0
        let batch = BatchExtractor<[Tensor]>(images: images, outputs: outputs, expectedShape: shape, overwrite: true,
                                             prepare: extractor.prepare, compute: { scales in
            let begin = BenchTiming.now()
            defer { networkSeconds += Double(BenchTiming.now() - begin) / 1e9 }
            return extractor.compute(scales)
        })
        let start = BenchTiming.now()
        let summary = batch.run(progress: nil)
        let seconds = Double(BenchTiming.now() - start) / 1e9
        guard summary.failures.isEmpty else { throw BenchError.pipelineFailed(summary.failures.first!.reason) }
        let networkRate = Double(count) / networkSeconds
        let rate = Double(count) / seconds
        let record: [(String, JSON)] = [
            ("task", .string("pipeline")), ("engine", .string(kind.rawValue)), ("net", .string(architecture.rawValue)),
            ("img_size", .integer(size)), ("threads", .integer(threads)), ("images", .integer(count)),
            ("images_per_s", .number(rate)), ("network_images_per_s", .number(networkRate)),
            ("ratio_to_network", .number(rate / networkRate)), ("peak_rss_mb", .number(BenchTiming.peakRSSMegabytes())),
        ]
        if args.flag("json") {
            console.out(JSON.object(record).text)
        } else {
            console.out(String(format: "pipeline %@ %@ @%d ×%d threads, %d mixed-size JPEGs: %.2f images/s; network only %.2f images/s "
                               + "(%.0f%%); peak RSS %.0f MB", kind.rawValue, architecture.rawValue, size, threads, count, rate,
                               networkRate, 100 * rate / networkRate, BenchTiming.peakRSSMegabytes()))
        }
        return 0
    }

    /// A smooth colour field with texture (compresses like a photo, decodes at photo cost).
    static func syntheticPhoto(width: Int, height: Int, seed: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state = UInt32(truncatingIfNeeded: seed &* 2_654_435_761 &+ 1)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 1_664_525 &+ 1_013_904_223
                let noise = Int(state >> 28)
                let base = (y * width + x) * 3
                pixels[base] = UInt8((x * 255 / width + noise) & 255)
                pixels[base + 1] = UInt8((y * 255 / height + seed * 37 + noise) & 255)
                pixels[base + 2] = UInt8(((x ^ y) & 255 + noise) & 255)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// `mirror bench --task retrieval`: all-vs-all search on synthetic whitened features with planted
/// neighbours (`RetrievalBenchmark`), exhaustive or two-stage, with recall against exhaustive.
enum RetrievalBench {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        var settings: RetrievalBenchmark.Settings
        if let path = args.string("index") {
            settings = RetrievalBenchmark.Settings(index: try RetrievalIndex.read(from: path))
        } else {
            settings = RetrievalBenchmark.Settings(images: args.isSet("images") ? try args.int("images", in: 2...10_000_000)! : 9368)
            settings.regions = try args.int("regions", in: 1...10_000)!
            settings.dims = try args.int("dims", in: 1...65_536)!
        }
        settings.top = min(try args.int("top", in: 1...Int.max)!, settings.images - 1)
        settings.shortlist = try args.int("shortlist", in: 0...Int.max) ?? 0
        settings.descriptor = GlobalDescriptor(rawValue: try args.choice("global")!)!
        settings.half = settings.half || args.flag("half")
        settings.sample = try args.int("sample", in: 1...Int.max)
        settings.memoryBudget = try args.int("max-memory", in: 16...1_048_576)! << 20
        settings.threads = try SharedOptions.threads(args)
        let report = RetrievalBenchmark.run(settings)
        let rss = BenchTiming.peakRSSMegabytes()
        if args.flag("json") {
            var record: [(String, JSON)] = [
                ("task", .string("retrieval")), ("images", .integer(settings.images)), ("regions", .integer(settings.regions)),
                ("dims", .integer(settings.dims)), ("top", .integer(settings.top)), ("shortlist", .integer(settings.shortlist)),
                ("global", .string(settings.descriptor.rawValue)), ("precision", .string(settings.half ? "float16" : "float32")),
                ("threads", .integer(report.threads)), ("seconds", .number(report.seconds)),
                ("query_images_per_s", .number(report.queryImagesPerSecond)), ("index_bytes", .integer(report.indexBytes)),
                ("planted_recall", report.plantedRecall.map { .number($0) } ?? .null), ("peak_rss_mb", .number(rss)),
            ]
            if let queries = report.referenceQueries {
                record += [("reference_queries", .integer(queries)), ("reference_seconds", .number(report.referenceSeconds!)),
                           ("reference_planted_recall", report.referencePlantedRecall.map { .number($0) } ?? .null),
                           ("sampled_planted_recall", report.sampledPlantedRecall.map { .number($0) } ?? .null),
                           ("top_recall", report.topRecall.map { .number($0) } ?? .null)]
            }
            console.out(JSON.object(record).text)
        } else {
            console.out(report.description + String(format: ", peak RSS %.0f MB", rss))
        }
        return 0
    }
}

enum BenchError: Error, CustomStringConvertible {
    case pipelineFailed(String)
    var description: String {
        switch self {
        case .pipelineFailed(let reason): return "pipeline benchmark: an image failed: \(reason)"
        }
    }
}

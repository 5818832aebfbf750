import Engines
import Foundation
import MirrorCore
import MirrorModels
import MirrorRetrieval

/// `mirror bench`: network timings per engine, reported as rates and as a ratio to the OpenBLAS
/// sgemm rate measured in the same run on the network's own GEMM shapes — machines are noisy, so
/// ratios within one run are what compare across machines (Docs/BENCHMARKS.md).
enum BenchCommand {
    static let command = Command(
        name: "bench",
        summary: "Benchmark the engines on a network (ms/image, GFLOP/s, ratio to in-run sgemm).",
        synopsis: "[options]",
        discussion: """
        Weights are synthetic (the fixture formula), input is a fixed pseudo-random image; timing does not \
        depend on values. FLOPs = 2 × the multiply-adds of every convolution (a formula over the layer table). \
        The sgemm reference times cblas_sgemm on each convolution's GEMM shape [outH·outW × k²·cin] · [k²·cin × cout] \
        (depthwise excluded). Run on the release build ('make bench'). The naive engine is skipped by \
        '--backend all' above 224 (minutes per image); ask for it explicitly.
        """,
        options: [
            .value("task", "TASK", help: "network: engines × network timing; pipeline: mirror extract over --images generated "
                   + "JPEGs of mixed sizes vs the network-only rate; retrieval: all-vs-all search on synthetic whitened features with planted neighbours; "
                   + "train: one training step (forward, softmin loss, backward, SGD) on 3×--batch-size images.",
                   default: "network", allowed: ["network", "pipeline", "retrieval", "train"]),
            .value("net", "NAME", help: "Network.", default: "resnet-50", allowed: SharedOptions.networkNames),
            .value("img-size", "S", help: "Input size (S×S); --task train defaults to 224.", default: "896"),
            .value("batch-size", "B", help: "train: triplets per step.", default: "8"),
            .value("backend", "ENGINE", help: "Engine, or all.", default: "all", allowed: SharedOptions.backendNames + ["all"]),
            SharedOptions.compute[1],
            .value("repeats", "N", help: "Timed runs (median reported).", default: "5"),
            .value("warmup", "N", help: "Untimed runs first.", default: "1"),
            .flag("json", help: "One JSON object per engine per line."),
            .flag("layer", help: "Also time every layer as it runs (median over the timed runs); fused blocks are one line. "
                  + "train: every op of the step (forward, input and filter gradients per convolution)."),
            .value("images", "N", help: "pipeline: images to generate and extract; retrieval: database images.", default: "50 / 9368"),
            .value("regions", "R", help: "retrieval: regions per image.", default: "35"),
            .value("dims", "D", help: "retrieval: dimensions per region.", default: "256"),
            .value("top", "K", help: "retrieval: results kept per query.", default: "200"),
            .value("max-memory", "MB", help: "retrieval: matcher working-memory budget.", default: "1024"),
            .value("shortlist", "K", help: "retrieval: two-stage search re-scoring the best K by global vector (0: exhaustive).", default: "0"),
            .value("global", "KIND", help: "retrieval: the global vector of --shortlist: rmac (sum of regions) or mac (region 0).",
                   default: "rmac", allowed: GlobalDescriptor.allCases.map(\.rawValue)),
            .flag("half", help: "retrieval: store the vectors as float16 (index format 2)."),
            .value("index", "INDEX", help: "retrieval: search this index's own vectors (real features) instead of planted ones."),
            .value("sample", "N", help: "retrieval: also run exhaustive PR-MAC for N evenly spaced queries and report recall against it."),
        ],
        run: { args, console in
            switch try args.choice("task")! {
            case "pipeline": return try PipelineBench.run(args, console: console)
            case "retrieval": return try RetrievalBench.run(args, console: console)
            case "train": return try TrainBench.run(args, console: console)
            default: break
            }
            let architecture = Architecture(rawValue: try args.choice("net")!)!
            let size = try args.int("img-size", in: 16...4096)!
            let repeats = try args.int("repeats", in: 1...10000)!, warmup = try args.int("warmup", in: 0...10000)!
            let threads = try SharedOptions.threads(args) ?? defaultThreadCount
            let choice = try args.choice("backend")!
            guard let layers = architecture.layerSummaries(height: size, width: size) else {
                throw UsageError.invalidValue("img-size", "\(size)", command: args.command,
                                              reason: "too small for \(architecture.rawValue) (minimum \(architecture.minimumInputSize))")
            }
            var kinds = choice == "all" ? BackendKind.allCases : [BackendKind(rawValue: choice)!]
            if choice == "all" && size > 224 {
                kinds.removeAll { $0 == .naive }
                if !args.flag("json") { console.err("bench: skipping the naive engine above 224 (ask with --backend naive)") }
            }
            let network = try FeatureNetwork(architecture, weights: architecture.syntheticArchive())
            let input = SyntheticWeights.input(height: size, width: size)
            let flops = 2 * Double(layers.map(\.multiplyAdds).reduce(0, +) - (layers.last { $0.name == FeatureNetwork.logitsTap }?.multiplyAdds ?? 0))
            for kind in kinds {
                let backend = makeBackend(kind: kind, threads: threads)
                let sgemm = SGEMMReference.rate(layers: layers, threads: threads)
                var layerTimes: [String: [Double]] = [:]
                var last = BenchTiming.now()
                let observer: ActivationObserver? = args.flag("layer") ? { name, _ in
                    let now = BenchTiming.now()
                    layerTimes[name, default: []].append(Double(now - last) / 1e9)
                    last = now
                } : nil
                let stats = BenchTiming.measure(warmup: warmup, repeats: repeats) {
                    last = BenchTiming.now()
                    BenchSink.shared.consume(network.features(input, backend: backend, observer: observer, innerTaps: false).data)
                }
                let gflops = flops / stats.median / 1e9
                let record: [(String, JSON)] = [
                    ("engine", .string(kind.rawValue)), ("net", .string(architecture.rawValue)), ("img_size", .integer(size)),
                    ("threads", .integer(threads)), ("ms_median", .number(stats.median * 1000)),
                    ("ms_min", .number(stats.min * 1000)), ("ms_max", .number(stats.max * 1000)),
                    ("gflops", .number(gflops)), ("sgemm_gflops", .number(sgemm)), ("ratio_to_sgemm", .number(gflops / sgemm)),
                    ("gflop_per_image", .number(flops / 1e9)), ("repeats", .integer(repeats)),
                    ("peak_rss_mb", .number(BenchTiming.peakRSSMegabytes())),
                ]
                if args.flag("json") {
                    console.out(JSON.object(record).text)
                } else {
                    console.out(String(format: "%@ %@ @%d ×%d threads: %.1f ms/image (min %.1f, max %.1f), %.1f GFLOP/s, "
                                       + "sgemm %.1f GFLOP/s, ratio %.0f%%, peak RSS %.0f MB",
                                       kind.rawValue, architecture.rawValue, size, threads, stats.median * 1000, stats.min * 1000,
                                       stats.max * 1000, gflops, sgemm, 100 * gflops / sgemm, BenchTiming.peakRSSMegabytes()))
                }
                if args.flag("layer") { printLayers(layers, times: layerTimes, console: console) }
            }
            return 0
        })

    private static func printLayers(_ layers: [LayerSummary], times: [String: [Double]], console: Console) {
        let width = layers.map(\.name.count).max() ?? 0
        // Layers that ran inside a fused op have no time of their own: their work counts toward
        // the next timed line (a fused Lite0 block's line carries its three convolutions).
        var pending = 0
        for layer in layers {
            pending += layer.multiplyAdds
            guard let samples = times[layer.name], !samples.isEmpty else { continue }
            let multiplyAdds = pending
            pending = 0
            let median = BenchTiming.Stats(samples: samples).median
            let rate = multiplyAdds > 0 ? String(format: "%8.1f GFLOP/s", 2 * Double(multiplyAdds) / median / 1e9) : ""
            console.out("  " + layer.name.padding(to: width) + String(format: "  %@  %8.3f ms", "\(layer.shape)".padding(to: 16), median * 1000) + rate)
        }
    }
}

/// The in-run reference: OpenBLAS sgemm over the network's own convolution GEMM shapes.
enum SGEMMReference {
    /// GFLOP/s of `cblas_sgemm` summed over every non-depthwise convolution's GEMM (one warm-up
    /// pass, then the best of three passes).
    static func rate(layers: [LayerSummary], threads: Int) -> Double {
        let blas = makeBackend(kind: .blas, threads: threads)
        let shapes: [(m: Int, n: Int, k: Int)] = layers.compactMap { layer in
            guard layer.multiplyAdds > 0, !layer.name.contains("depthwise"), layer.name != FeatureNetwork.logitsTap else { return nil }
            let m = layer.shape[0] * layer.shape[1], n = layer.shape[2]
            return (m, n, layer.multiplyAdds / (m * n))
        }
        guard !shapes.isEmpty else { return .nan }
        let largest = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        var a = [Float](repeating: 0.5, count: largest), b = [Float](repeating: 0.25, count: largest)
        var c = [Float](repeating: 0, count: largest)
        let flops = 2 * Double(shapes.map { $0.m * $0.n * $0.k }.reduce(0, +))
        let stats = BenchTiming.measure(warmup: 1, repeats: 3) {
            for shape in shapes {
                a.withUnsafeMutableBufferPointer { pa in
                    b.withUnsafeMutableBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            blas.gemm(transposeA: false, transposeB: false, m: shape.m, n: shape.n, k: shape.k, alpha: 1,
                                      a: pa.baseAddress!, lda: shape.k, b: pb.baseAddress!, ldb: shape.n,
                                      beta: 0, c: pc.baseAddress!, ldc: shape.n)
                        }
                    }
                }
            }
            BenchSink.shared.consume(c)
        }
        return flops / stats.min / 1e9
    }
}

import Foundation

/// All-vs-all PR-MAC timing on synthetic whitened features, for `mirror bench` and ad-hoc runs.
/// Rates come from formulas: the GEMM FLOPs actually issued (`2·rowsQ·rowsDB·D` per block pair,
/// about half the full product with the symmetric path) over the wall time of the whole match
/// (GEMM, fused reduction and top-k).
public enum RetrievalBenchmark {
    public struct Report: Sendable, CustomStringConvertible {
        public var images: Int
        public var regions: Int
        public var dims: Int
        public var top: Int
        public var threads: Int
        public var symmetric: Bool
        /// Wall time of the match, seconds.
        public var seconds: Double
        /// GEMM FLOPs issued.
        public var gemmFlops: Double
        /// Sum of every kept score: a sink, and a cross-check between runs.
        public var checksum: Double

        public var queryImagesPerSecond: Double { Double(images) / seconds }
        public var gemmGFlopsPerSecond: Double { gemmFlops / seconds / 1e9 }
        /// FLOPs of the full (non-symmetric) product per second: the rate a plain matcher would need.
        public var equivalentGFlopsPerSecond: Double {
            2 * Double(images * regions) * Double(images * regions) * Double(dims) / seconds / 1e9
        }

        public var description: String {
            String(format: "PR-MAC all-vs-all: %d images × %d regions × %d dims, top %d, %d threads, %@: "
                   + "%.2f s, %.1f query images/s, GEMM %.1f GFLOP/s (full-product equivalent %.1f), checksum %.6e",
                   images, regions, dims, top, threads, symmetric ? "symmetric" : "plain", seconds,
                   queryImagesPerSecond, gemmGFlopsPerSecond, equivalentGFlopsPerSecond, checksum)
        }
    }

    /// Generates `images × regions` L2-normalised random float32 rows of `dims` values (fixed seed)
    /// and times matching them against themselves.
    public static func run(images: Int = 9368, regions: Int = 35, dims: Int = 256, top: Int = 200,
                           threads: Int? = nil, memoryBudget: Int = 1 << 30, symmetric: Bool = true) -> Report {
        let vectors = syntheticFeatures(rows: images * regions, dims: dims)
        var matcher = PRMACMatcher(database: vectors, regions: regions, dims: dims, memoryBudget: memoryBudget)
        if let threads { matcher.threads = max(1, threads) }
        let start = DispatchTime.now().uptimeNanoseconds
        let (results, flops) = matcher.run(queries: nil, top: top, aml: false, metric: .cosine, symmetric: symmetric)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let checksum = results.reduce(0.0) { total, list in list.reduce(total) { $0 + Double($1.score) } }
        return Report(images: images, regions: regions, dims: dims, top: top, threads: matcher.threads,
                      symmetric: symmetric, seconds: seconds, gemmFlops: flops, checksum: checksum)
    }

    /// Rows with uniform entries in [−1, 1) (SplitMix64), each L2-normalised.
    static func syntheticFeatures(rows: Int, dims: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [Float] {
        var state = seed
        var values = [Float](repeating: 0, count: rows * dims)
        for i in values.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            values[i] = Float(z >> 40) / Float(1 << 23) - 1
        }
        L2Normalization.normalizeRows(&values, dims: dims)
        return values
    }
}

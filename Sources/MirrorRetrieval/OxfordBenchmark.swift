import MirrorCore
import Foundation

/// Oxford5K / Paris6K average precision exactly as the seed computes it (`cpp/oxford5k.h`
/// `compute_ap`, driven by `retrieval/oxford_bench.py`; SPEC §5).
///
/// Positives are `good ∪ ok`; `junk` images are skipped without advancing the rank; the PR curve is
/// integrated with trapezoids starting from (recall 0, precision 1). State is C++ `float`, each step
/// computed in `double` and stored back to `float`. The C++ program prints the AP with `cout`'s six
/// significant digits and the Python driver parses that text, so the reported per-query AP is the
/// float rounded to 6 significant digits; the mAP is their float64 mean.
public enum OxfordBenchmark {
    public struct GroundTruth: Equatable, Sendable {
        public let positives: Set<String>
        public let junk: Set<String>

        public init(positives: Set<String>, junk: Set<String>) {
            self.positives = positives
            self.junk = junk
        }
    }

    /// Reads `<dir>/<query>_{good,ok,junk}.txt`.
    public static func groundTruth(directory: String, query: String) throws -> GroundTruth {
        func read(_ kind: String) throws -> [String] {
            let path = (directory as NSString).appendingPathComponent("\(query)_\(kind).txt")
            guard FileManager.default.fileExists(atPath: path) else { throw EvaluationError.missingGroundTruth(path: path) }
            return try TextList.read(path, nonEmpty: false)
        }
        let positives = Set(try read("good") + read("ok"))
        guard !positives.isEmpty else { throw EvaluationError.noPositives(query: query) }
        return GroundTruth(positives: positives, junk: Set(try read("junk")))
    }

    /// The seed's `compute_ap` in its own float/double mix.
    public static func averagePrecision(ranked: [String], groundTruth: GroundTruth) -> Float {
        var oldRecall: Float = 0, oldPrecision: Float = 1, ap: Float = 0
        var intersect = 0, j = 0
        let positiveCount = Float(groundTruth.positives.count)
        for name in ranked {
            if groundTruth.junk.contains(name) { continue }
            if groundTruth.positives.contains(name) { intersect += 1 }
            let recall = Float(intersect) / positiveCount
            let precision = Float(Double(intersect) / (Double(j) + 1.0))
            ap = Float(Double(ap) + Double(recall - oldRecall) * (Double(oldPrecision + precision) / 2.0))
            oldRecall = recall
            oldPrecision = precision
            j += 1
        }
        return ap
    }

    /// `float(str(cout << ap))`: the value the seed's driver actually averages.
    public static func reported(_ ap: Float) -> Double {
        Double(String(format: "%g", Double(ap)))!
    }

    /// Evaluates ranked database indices per query (from `MatchPairsReader.rankedLists`).
    public static func evaluate(queries: [String], images: [String], rankedLists: [[Int]],
                                groundTruthDirectory: String) throws -> BenchmarkResult {
        precondition(rankedLists.count == queries.count, "one ranked list per query")
        var results: [BenchmarkResult.Query] = []
        for (query, ranked) in zip(queries, rankedLists) {
            let truth = try groundTruth(directory: groundTruthDirectory, query: query)
            let names = ranked.map { images[$0] }
            let ap = averagePrecision(ranked: names, groundTruth: truth)
            let hits = names.filter { !truth.junk.contains($0) }.map { truth.positives.contains($0) }
            results.append(.init(name: query, averagePrecision: reported(ap), hits: hits, relevantCount: truth.positives.count))
        }
        return BenchmarkResult(queries: results)
    }
}

import MirrorCore
/// INRIA Holidays mAP as the seed computes it (`data/holidays/holidays_map.py` after
/// `convert2holiday_eval.py`; SPEC §5).
///
/// `holidays_images.dat` lists every image; an image number ≡ 0 (mod 100) starts a group and is its
/// query, the following numbers are its ground truth. Results are ranked 0, 1, …; returning the query
/// itself shifts every later rank by −1. AP = Σₖ (p₀ + p₁) / (2·n_gt) over true positives k (0-based)
/// at shifted rank rₖ, with p₀ = (rₖ == 0) ? 1 : k/rₖ and p₁ = (k+1)/(rₖ+1). Every query must appear.
public enum HolidaysBenchmark {
    public struct GroundTruth: Sendable {
        public let allNames: Set<String>
        /// Query name → its relevant images.
        public let groups: [String: Set<String>]
    }

    public static func groundTruth(path: String) throws -> GroundTruth {
        var all = Set<String>(), groups: [String: Set<String>] = [:]
        var current: String?
        for name in try TextList.read(path) {
            all.insert(name)
            guard let number = Int(name.hasSuffix(".jpg") ? String(name.dropLast(4)) : name) else {
                throw EvaluationError.malformedLine(path: path, line: all.count, text: name)
            }
            if number % 100 == 0 {
                current = name
                groups[name] = []
            } else if let current {
                groups[current]!.insert(name)
            }
        }
        return GroundTruth(allNames: all, groups: groups)
    }

    /// AP of one query from the ranks of its true positives (`score_ap_from_ranks_1`).
    public static func averagePrecision(truePositiveRanks: [Int], relevantCount: Int) -> Double {
        var ap = 0.0
        let recallStep = 1.0 / Double(relevantCount)
        for (k, rank) in truePositiveRanks.enumerated() {
            let p0 = rank == 0 ? 1.0 : Double(k) / Double(rank)
            let p1 = Double(k + 1) / Double(rank + 1)
            ap += (p1 + p0) * recallStep / 2.0
        }
        return ap
    }

    /// Evaluates ranked result names per query name (basenames, as `convert2holiday_eval.py` writes).
    public static func evaluate(results: [(query: String, ranked: [String])], groundTruth: GroundTruth,
                                groundTruthPath: String) throws -> BenchmarkResult {
        var remaining = groundTruth.groups
        var scored: [BenchmarkResult.Query] = []
        for (query, ranked) in results {
            guard let relevant = remaining.removeValue(forKey: query) else {
                throw EvaluationError.unknownImage(name: query, list: "the Holidays queries of \(groundTruthPath)")
            }
            var truePositiveRanks: [Int] = [], shift = 0, hits: [Bool] = []
            for (rank, name) in ranked.enumerated() {
                guard groundTruth.allNames.contains(name) else {
                    throw EvaluationError.unknownImage(name: name, list: groundTruthPath)
                }
                if name == query {
                    shift = -1
                    continue
                }
                if relevant.contains(name) { truePositiveRanks.append(rank + shift) }
                hits.append(relevant.contains(name))
            }
            scored.append(.init(name: query, averagePrecision:
                averagePrecision(truePositiveRanks: truePositiveRanks, relevantCount: relevant.count),
                hits: hits, relevantCount: relevant.count))
        }
        if let missing = remaining.keys.sorted().first { throw EvaluationError.queryWithoutResults(query: missing) }
        return BenchmarkResult(queries: scored)
    }
}

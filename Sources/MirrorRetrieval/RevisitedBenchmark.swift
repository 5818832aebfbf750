/// The revisited Oxford/Paris protocol (ROxford5k / RParis6k; Radenović et al., CVPR 2018, §4):
/// mAP and mean precision at 1, 5, 10 in three settings, from `RevisitedGroundTruth`.
///
/// | setting | positives | junk (removed from the ranking) |
/// |---|---|---|
/// | Easy   | easy        | junk ∪ hard |
/// | Medium | easy ∪ hard | junk        |
/// | Hard   | hard        | junk ∪ easy |
///
/// Per query and setting, junk images are removed from the ranked list and the positives' ranks
/// `r₀ < r₁ < …` (0-based, after removal) give AP = Σₖ (p₀ + p₁) / (2·n_pos) with
/// `p₀ = (rₖ == 0) ? 1 : k/rₖ`, `p₁ = (k+1)/(rₖ+1)` — the trapezoid of INRIA's
/// `score_ap_from_ranks_1` (`HolidaysBenchmark.averagePrecision`), n_pos counting every positive
/// of the ground truth, retrieved or not. Precision at k follows the revisited evaluation code:
/// k is capped at the (1-based) rank of the last retrieved positive, k' = min(k, r_last + 1), and
/// P@k = |positives among the first k'| / k' — so a query with 3 positives ranked 1–3 has
/// P@5 = 1. With no positive retrieved (a truncated list), P@k = 0. Queries without positives in
/// a setting are skipped there: they have no AP and do not count in its means. Computed in float64.
public enum RevisitedBenchmark {
    public enum Setting: String, CaseIterable, Sendable {
        case easy = "Easy", medium = "Medium", hard = "Hard"
    }

    public static let precisionRanks = [1, 5, 10]

    /// Positives and junk of a query in a setting.
    public static func split(_ query: RevisitedGroundTruth.Query, _ setting: Setting) -> (positives: Set<Int>, junk: Set<Int>) {
        let easy = Set(query.easy), hard = Set(query.hard), junk = Set(query.junk)
        switch setting {
        case .easy: return (easy, junk.union(hard))
        case .medium: return (easy.union(hard), junk)
        case .hard: return (hard, junk.union(easy))
        }
    }

    /// One query in one setting.
    public struct Score: Equatable, Sendable {
        public let averagePrecision: Double
        /// Precision at each of `precisionRanks`.
        public let precisions: [Double]
        /// The ranked list's relevance after junk removal (for precision–recall curves).
        public let hits: [Bool]
        public let positiveCount: Int
    }

    /// AP and precisions of `ranked` (database indices, best first); nil when there are no positives.
    public static func score(ranked: [Int], positives: Set<Int>, junk: Set<Int>) -> Score? {
        guard !positives.isEmpty else { return nil }
        let hits = ranked.filter { !junk.contains($0) }.map { positives.contains($0) }
        let ranks = hits.indices.filter { hits[$0] }
        let ap = HolidaysBenchmark.averagePrecision(truePositiveRanks: ranks, relevantCount: positives.count)
        let precisions = precisionRanks.map { k -> Double in
            guard let last = ranks.last else { return 0 }
            let cutoff = min(k, last + 1)
            return Double(ranks.prefix { $0 < cutoff }.count) / Double(cutoff)
        }
        return Score(averagePrecision: ap, precisions: precisions, hits: hits, positiveCount: positives.count)
    }

    /// Every query of one setting and the means over those that have positives.
    public struct SettingResult: Equatable, Sendable {
        public let setting: Setting
        /// One entry per query of the ground truth, nil where the query has no positives here.
        public let scores: [Score?]
        /// Number of queries with positives (the denominator of the means).
        public var evaluatedCount: Int { scores.lazy.compactMap { $0 }.count }
        public var meanAveragePrecision: Double { mean { $0.averagePrecision } }
        /// Mean precision at each of `precisionRanks`.
        public var meanPrecisions: [Double] { precisionRanks.indices.map { i in mean { $0.precisions[i] } } }

        private func mean(_ value: (Score) -> Double) -> Double {
            let valid = scores.compactMap { $0 }
            return valid.isEmpty ? 0 : valid.map(value).reduce(0, +) / Double(valid.count)
        }
    }

    /// Scores ranked database indices (indices into `groundTruth.imageNames`), one list per
    /// ground-truth query in its order, in all three settings.
    public static func evaluate(rankedLists: [[Int]], groundTruth: RevisitedGroundTruth) -> [SettingResult] {
        precondition(rankedLists.count == groundTruth.queries.count, "one ranked list per query")
        return Setting.allCases.map { setting in
            SettingResult(setting: setting, scores: zip(groundTruth.queries, rankedLists).map { query, ranked in
                let (positives, junk) = split(query, setting)
                return score(ranked: ranked, positives: positives, junk: junk)
            })
        }
    }
}

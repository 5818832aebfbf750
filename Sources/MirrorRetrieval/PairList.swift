/// Image pairs for reconstruction tools, from ranked retrieval results where the queries are the
/// database images themselves.
///
/// - `colmap`: `name1 name2` per line for COLMAP's `matches_importer --match_type pairs`; self pairs
///   dropped, each unordered pair once (in the order first seen, query rank by rank).
/// - `hloc`: `name1 name2` per line as hloc's `pairs_from_retrieval` writes them: every query's
///   results in rank order, self pairs dropped, both directions kept.
/// - `tsv`: `name1 TAB name2 TAB score` per line, every (query, result) of `hloc`, for scripts and for
///   names that contain spaces; with a calibration a fourth column, the probability that the pair
///   overlaps (`MatchabilityCalibration`), and, when the caller knows it, a first line naming the
///   scores' source (`ScoreSource.headerLine`, a `#` comment).
///
/// COLMAP and hloc split these files on white space, so a name containing a space or tab cannot be
/// written in those formats: that is an error naming the image (use `tsv`).
public enum PairList {
    public enum Format: String, CaseIterable, Sendable {
        case colmap, hloc, tsv
    }

    public struct Pair: Equatable, Sendable {
        public let first: Int
        public let second: Int
        /// The seed's normalised score `sum / R`.
        public let score: Double
        /// Calibrated probability of overlapping, when a calibration was given.
        public var probability: Double? = nil

        public init(first: Int, second: Int, score: Double, probability: Double? = nil) {
            (self.first, self.second, self.score, self.probability) = (first, second, score, probability)
        }
    }

    /// An unordered pair of image indices as one 8-byte key, `smaller << 32 | larger`: the key of
    /// every pair set and pair-keyed table (dedupe, selection, ground-truth lookups).
    public static func key(_ a: Int, _ b: Int) -> Int64 { Int64(min(a, b)) << 32 | Int64(max(a, b)) }

    /// The two images of a `key`, smaller first.
    public static func ends(_ key: Int64) -> (Int, Int) { (Int(key >> 32), Int(key & 0xFFFF_FFFF)) }

    /// Pairs in the format's order; `minScore` drops weaker pairs (scores are `sum / R`, cosine),
    /// `minProbability` those whose `calibration` probability is lower.
    public static func pairs(_ results: [[Match]], regions: Int, format: Format, minScore: Double? = nil,
                             calibration: MatchabilityCalibration? = nil, minProbability: Double? = nil) -> [Pair] {
        precondition(minProbability == nil || calibration != nil, "a probability threshold needs a calibration")
        var out: [Pair] = []
        var seen = Set<Int64>()   // `key`s: 8 bytes a pair, not an array
        for (query, matches) in results.enumerated() {
            for match in matches where match.index != query {
                let score = Double(match.score) / Double(regions)
                if let minScore, score < minScore { continue }
                let probability = calibration?.probability(score)
                if let minProbability, let probability, probability < minProbability { continue }
                if format == .colmap {
                    guard seen.insert(key(query, match.index)).inserted else { continue }
                }
                out.append(Pair(first: query, second: match.index, score: score, probability: probability))
            }
        }
        return out
    }

    /// The file text, one pair per line, each line ending in `\n`; `header` (tsv only) first.
    public static func format(_ pairs: [Pair], names: [String], format: Format, header: String? = nil) throws -> String {
        if format != .tsv, let bad = names.first(where: { $0.contains(" ") || $0.contains("\t") || $0.contains("\n") }) {
            throw PairListError.nameWithWhitespace(name: bad, format: format.rawValue)
        }
        let lines = pairs.map { pair in
            format == .tsv ? "\(names[pair.first])\t\(names[pair.second])\t\(pair.score)"
                + (pair.probability.map { "\t\($0)" } ?? "") + "\n"
                : "\(names[pair.first]) \(names[pair.second])\n"
        }.joined()
        return (format == .tsv ? header.map { $0 + "\n" } ?? "" : "") + lines
    }
}

public enum PairListError: Error, Equatable, CustomStringConvertible {
    case nameWithWhitespace(name: String, format: String)

    public var description: String {
        switch self {
        case .nameWithWhitespace(let name, let format):
            return "image name '\(name)' contains white space, which \(format) pair files cannot hold; use --format tsv"
        }
    }
}

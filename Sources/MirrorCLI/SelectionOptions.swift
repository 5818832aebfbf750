import Foundation
import MirrorRetrieval

/// The graph-aware selection flags of `mirror pairs` and `query --pairs-out` (`PairSelection`).
enum SelectionOptions {
    static let specs: [OptionSpec] = [
        .value("min-degree", "K", help: "Keep every image's own best K partners, even below the thresholds."),
        .flag("mutual", help: "Keep a top-k pair only if each image is in the other's top k (before --min-degree)."),
        .flag("connect", help: "Link the components of the pair graph by their best cross pairs (down to --connect-floor)."),
        .value("connect-floor", "S", help: "Lowest score (sum/regions) a --connect link may have.", default: "0.1"),
        .value("max-pairs", "N", help: "At most N pairs: the degree floor and links first, then the best by probability or score."),
    ]

    /// `--calibration`, `--min-prob` and the selection flags shape a pair list: without
    /// `--pairs-out` (query, merge) they would do nothing, which is an error rather than a surprise.
    static func requirePairsOut(_ args: ParsedArguments, pairsOut: String?) throws {
        if pairsOut == nil, let flag = (CalibrationOptions.specs + specs).map(\.name).first(where: args.isSet) {
            throw UsageError("--\(flag) applies to --pairs-out", command: args.command)
        }
    }

    /// The flags that choose pairs. `mirror pairs` given none of them uses `pairsDefault`; given
    /// any, exactly what they say (so `--top 5` alone is plain top 5).
    static let choosingFlags = ["top", "min-score", "min-prob", "min-degree", "mutual", "connect", "max-pairs"]

    /// What `mirror pairs` selects when no choosing flag is given, chosen by measurement
    /// (Docs/BENCHMARKS.md, "Pair selection"): every image's 10 best partners, the least depth that
    /// left no image with a matchable partner without one on both held-out sets, and the
    /// components linked (one model in incremental mapping) down to `connectFloor`. Not by
    /// probability: beyond each image's 10 best, pairs with P ≥ 0.5 added nothing there, and the
    /// shipped calibration fits PCA-256 scores only (more than 256 images), so a default built
    /// on it would change at that size.
    static func pairsDefault(connectFloor: Double) -> PairSelection.Options {
        var options = PairSelection.Options(top: 10)
        options.connect = true
        options.connectFloor = connectFloor
        return options
    }

    /// Partners per image to rank so that `--min-degree` and `--connect` have candidates beyond `top`.
    static let connectDepth = 50

    /// The options when any selection flag is given, else nil (plain top-k lists).
    static func parse(_ args: ParsedArguments, top: Int, minScore: Double?, minProbability: Double?) throws -> PairSelection.Options? {
        guard ["min-degree", "mutual", "connect", "max-pairs"].contains(where: args.isSet) else { return nil }
        var options = PairSelection.Options(top: top)
        options.mutual = args.flag("mutual")
        options.minDegree = try args.int("min-degree", in: 0...100_000) ?? 0
        options.connect = args.flag("connect")
        options.connectFloor = try args.double("connect-floor", in: -1...1)!
        options.maxPairs = try args.int("max-pairs", in: 1...Int.max)
        options.minScore = minScore
        options.minProbability = minProbability
        return options
    }

    /// Results per image the selection needs (self included), at most `images`; `top` is plain
    /// top-k's when there is no selection.
    static func depth(_ options: PairSelection.Options?, top: Int, images: Int) -> Int {
        guard let options else { return min(top + 1, images) }
        return min(max(options.top, options.minDegree, options.connect ? connectDepth : 0) + 1, images)
    }

    /// `pairsDefault` as the flags that give it, for the notice `mirror pairs` prints.
    static func defaultFlags(_ options: PairSelection.Options) -> String {
        "--top \(options.top)" + (options.connect ? " --connect" : "")
    }

    /// The selected pairs as pair-list pairs (each unordered pair once, `first < second`).
    static func pairs(_ edges: [PairSelection.Edge]) -> [PairList.Pair] {
        edges.map { PairList.Pair(first: $0.first, second: $0.second, score: $0.score, probability: $0.probability) }
    }

    /// One line: pairs, how they were chosen, degrees, components, images below the floor.
    static func describe(_ s: PairSelection.Summary, options: PairSelection.Options) -> String {
        let degrees = s.degreeCounts.enumerated().filter { $0.element > 0 }.map { index, count in
            "\(index == s.degreeCounts.count - 1 ? "≥" : "")\(index): \(count)"
        }.joined(separator: ", ")
        let added = [PairSelection.Reason.ranked, .degree, .link].compactMap { reason in
            s.added[reason].map { "\($0) \(reason.rawValue)" }
        }.joined(separator: " + ")
        return "\(s.pairs) pairs (\(added)); images by number of partners {\(degrees)}; components \(s.componentsBefore) → "
            + "\(s.componentsAfter)" + (options.minDegree > 0 ? "; \(s.imagesBelowFloor) images below --min-degree \(options.minDegree)" : "")
            + (s.floorOverBudget ? "; the floor and links alone exceed --max-pairs (all kept)" : "")
    }
}

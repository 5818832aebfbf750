/// Pairs a reconstruction can use, chosen from every image's ranked partners (self-matching
/// results): top-k, optionally mutual, thresholds, a degree floor, links between the parts of the
/// pair graph, and a global budget (`mirror pairs --min-degree --mutual --connect --max-pairs`).
///
/// Why more than top-k: an image without a matchable partner is lost to structure from motion,
/// and a pair graph in several components makes incremental mapping split into several models.
/// The steps, in order:
/// 1. **top-k**: image i proposes its best `top` partners; with `mutual` a pair is kept only when
///    each image is in the other's top `top`. Each unordered pair is scored by the larger of its
///    two directed scores (sum / R), and its probability comes from the calibration.
/// 2. **thresholds**: pairs below `minScore` or `minProbability` are dropped.
/// 3. **degree floor**: every image keeps its own best `minDegree` partners from its ranked list,
///    even below the thresholds (so every image has at least `minDegree` pairs).
/// 4. **connect**: the components of the pair graph are linked by their best cross pairs (from the
///    ranked lists, best first, Kruskal-style: a pair is added when it joins two components) as
///    long as the pair scores at least `connectFloor`.
/// 5. **budget**: with `maxPairs`, what holds the floor (each image's best `minDegree` pairs and
///    the fill of step 3) and the links are kept first, then the rest by probability (or score)
///    until the budget is reached; if the floor alone is over budget it is kept whole (reported).
public enum PairSelection {
    public struct Options: Equatable, Sendable {
        public var top: Int
        public var mutual = false
        public var minScore: Double?
        public var minProbability: Double?
        public var minDegree = 0
        public var connect = false
        public var connectFloor = 0.0
        public var maxPairs: Int?

        public init(top: Int) { self.top = top }
    }

    public enum Reason: String, Sendable {
        /// top-k (step 1) and above the thresholds.
        case ranked
        /// added for the degree floor (step 3).
        case degree
        /// added to link components (step 4).
        case link
    }

    /// An unordered pair, `first < second`.
    public struct Edge: Equatable, Sendable {
        public let first: Int
        public let second: Int
        public let score: Double
        public let probability: Double?
        public let reason: Reason
    }

    public struct Summary: Equatable, Sendable {
        public var pairs = 0
        /// `degreeCounts[d]` images have d pairs (the last entry counts every degree ≥ its index).
        public var degreeCounts: [Int] = []
        public var componentsBefore = 0
        public var componentsAfter = 0
        /// Images left with fewer than `minDegree` pairs (their ranked list ran out, or the budget).
        public var imagesBelowFloor = 0
        public var added: [Reason: Int] = [:]
        /// The floor and the links alone needed more pairs than `maxPairs` (all were kept).
        public var floorOverBudget = false
    }

    public static func select(_ results: [[Match]], regions: Int, options: Options,
                              calibration: MatchabilityCalibration? = nil) -> (edges: [Edge], summary: Summary) {
        let n = results.count
        let divisor = Double(regions)
        // Ranked partners without self, and the larger directed score of every listed pair.
        let ranked = results.enumerated().map { query, matches in matches.filter { $0.index != query } }
        var best: [Int64: Double] = [:]
        let key = PairList.key
        for (query, matches) in ranked.enumerated() {
            for match in matches {
                let score = Double(match.score) / divisor
                best[key(query, match.index)] = max(best[key(query, match.index)] ?? -.infinity, score)
            }
        }
        func edge(_ a: Int, _ b: Int, _ reason: Reason) -> Edge {
            let score = best[key(a, b)]!
            return Edge(first: min(a, b), second: max(a, b), score: score, probability: calibration?.probability(score), reason: reason)
        }
        func passes(_ e: Edge) -> Bool {
            if let minScore = options.minScore, e.score < minScore { return false }
            if let minProbability = options.minProbability, let p = e.probability, p < minProbability { return false }
            return true
        }

        // 1–2: top-k (mutual), thresholds.
        let proposals = ranked.map { Set($0.prefix(options.top).map(\.index)) }
        var chosen: [Int64: Edge] = [:]
        var order: [Int64] = []   // first-seen order, query by query, rank by rank (as PairList's colmap)
        func add(_ e: Edge) {
            let k = key(e.first, e.second)
            guard chosen[k] == nil else { return }
            chosen[k] = e
            order.append(k)
        }
        for (query, matches) in ranked.enumerated() {
            for match in matches.prefix(options.top) where !options.mutual || proposals[match.index].contains(query) {
                let e = edge(query, match.index, .ranked)
                if passes(e) { add(e) }
            }
        }
        var degree = [Int](repeating: 0, count: n)
        for e in chosen.values { degree[e.first] += 1; degree[e.second] += 1 }

        // 3: degree floor, each image's own best `minDegree` partners. Partners that other images
        // chose do not count towards it: those are their best, not necessarily this image's
        // (measured: counting them lost recall at equal pairs on both held-out sets, BENCHMARKS).
        for image in 0..<n {
            for match in ranked[image].prefix(options.minDegree) where chosen[key(image, match.index)] == nil {
                add(edge(image, match.index, .degree))
                degree[image] += 1
                degree[match.index] += 1
            }
        }

        // 4: link components by their best cross pairs.
        var components = UnionFind(n)
        for e in chosen.values { components.union(e.first, e.second) }
        var summary = Summary()
        summary.componentsBefore = components.count
        if options.connect && components.count > 1 {
            // An array, not a filtered dictionary: at 10⁵ images × 50 partners the copy is the peak.
            let candidates = best.compactMap { $0.value >= options.connectFloor && chosen[$0.key] == nil ? ($0.key, $0.value) : nil }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            for (k, _) in candidates where components.count > 1 {
                let (a, b) = PairList.ends(k)
                if components.union(a, b) { add(edge(a, b, .link)); degree[a] += 1; degree[b] += 1 }
            }
        }

        // 5: the budget keeps what holds the floor (each image's best `minDegree` pairs, the floor
        // fill) and the links, then the best of the rest (ties: lower image numbers first).
        var edges = order.map { chosen[$0]! }
        if let budget = options.maxPairs, edges.count > budget {
            let value = { (e: Edge) in e.probability ?? e.score }
            let better = { (a: Edge, b: Edge) in value(a) != value(b) ? value(a) > value(b) : key(a.first, a.second) < key(b.first, b.second) }
            var incident = [[Edge]](repeating: [], count: n)
            for e in edges { incident[e.first].append(e); incident[e.second].append(e) }
            var required = Set(edges.filter { $0.reason != .ranked }.map { key($0.first, $0.second) })
            for list in incident {
                for e in list.sorted(by: better).prefix(options.minDegree) { required.insert(key(e.first, e.second)) }
            }
            var kept = required
            for e in edges.sorted(by: better) where kept.count < budget { kept.insert(key(e.first, e.second)) }
            summary.floorOverBudget = required.count > budget
            edges = edges.filter { kept.contains(key($0.first, $0.second)) }
            degree = [Int](repeating: 0, count: n)
            for e in edges { degree[e.first] += 1; degree[e.second] += 1 }
            components = UnionFind(n)
            for e in edges { components.union(e.first, e.second) }
        }

        summary.pairs = edges.count
        summary.componentsAfter = components.count
        summary.imagesBelowFloor = degree.filter { $0 < options.minDegree }.count
        let cap = max(options.minDegree, options.top) + 1
        summary.degreeCounts = [Int](repeating: 0, count: cap + 1)
        for d in degree { summary.degreeCounts[min(d, cap)] += 1 }
        for e in edges { summary.added[e.reason, default: 0] += 1 }
        return (edges, summary)
    }
}

/// Disjoint sets with path halving and union by size; `count` is the number of sets.
struct UnionFind {
    private var parent: [Int]
    private var size: [Int]
    private(set) var count: Int

    init(_ n: Int) { parent = Array(0..<n); size = Array(repeating: 1, count: n); count = n }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
        return x
    }

    /// Joins the sets of `a` and `b`; false when they were already one.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Bool {
        var (ra, rb) = (find(a), find(b))
        guard ra != rb else { return false }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
        count -= 1
        return true
    }
}

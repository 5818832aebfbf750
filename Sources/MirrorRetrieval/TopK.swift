/// One ranked database image for a query: its index in the database list and its score
/// (cosine: the PR-MAC sum over query regions, or their max with AML; Euclidean: the summed
/// — or max — squared distance). Scores are float32 sums, not yet divided by R.
public struct Match: Equatable, Sendable {
    public var index: Int
    public var score: Float

    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// `tf.nn.top_k` order: higher value first, the **lower index first on ties**; NaN ranks below
/// every number (and NaNs among themselves by index), so rankings stay deterministic.
enum RankOrder {
    @inline(__always)
    static func precedes(_ score: Float, _ index: Int32, _ otherScore: Float, _ otherIndex: Int32) -> Bool {
        if score == otherScore || (score.isNaN && otherScore.isNaN) { return index < otherIndex }
        if score.isNaN { return false }
        if otherScore.isNaN { return true }
        return score > otherScore
    }
}

/// Bounded top-k tables for many queries at once: query q owns slots `q·k ..< (q+1)·k` of two
/// flat buffers, kept as a binary heap with the **worst** kept candidate at the root, so each
/// offer is O(1) when rejected and O(log k) when kept. Memory: `queries · k · 8` bytes.
///
/// Not synchronised: callers make sure one query's heap is only touched by one thread at a time.
final class TopKTable: @unchecked Sendable {
    let queries: Int
    let k: Int
    private let scores: UnsafeMutablePointer<Float>
    private let indices: UnsafeMutablePointer<Int32>
    private let counts: UnsafeMutablePointer<Int>

    init(queries: Int, k: Int) {
        self.queries = queries
        self.k = k
        scores = .allocate(capacity: max(1, queries * k))
        indices = .allocate(capacity: max(1, queries * k))
        counts = .allocate(capacity: max(1, queries))
        counts.initialize(repeating: 0, count: max(1, queries))
    }

    deinit {
        scores.deallocate()
        indices.deallocate()
        counts.deallocate()
    }

    /// Considers database image `index` with `score` for query `query`.
    @inline(__always)
    func offer(query: Int, score: Float, index: Int32) {
        guard k > 0 else { return }
        let s = scores + query * k, ix = indices + query * k
        var count = counts[query]
        if count < k {
            // Sift up: parents must rank after (be worse than) their children.
            var child = count
            while child > 0 {
                let parent = (child - 1) / 2
                guard RankOrder.precedes(s[parent], ix[parent], score, index) else { break }
                s[child] = s[parent]
                ix[child] = ix[parent]
                child = parent
            }
            s[child] = score
            ix[child] = index
            count += 1
            counts[query] = count
            return
        }
        guard RankOrder.precedes(score, index, s[0], ix[0]) else { return }
        // Replace the root (the worst kept) and sift down towards the worse child.
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < k else { break }
            if child + 1 < k && RankOrder.precedes(s[child], ix[child], s[child + 1], ix[child + 1]) { child += 1 }
            guard RankOrder.precedes(score, index, s[child], ix[child]) else { break }
            s[parent] = s[child]
            ix[parent] = ix[child]
            parent = child
        }
        s[parent] = score
        ix[parent] = index
    }

    /// Every query's kept candidates, best first, with the scores a matcher of `metric` reports
    /// (Euclidean tables hold negated distances, so that both metrics rank by `max`).
    func rankedAll(metric: PRMACMatcher.Metric) -> [[Match]] {
        (0..<queries).map { ranked(query: $0, transform: metric == .euclidean ? { -$0 } : { $0 }) }
    }

    /// Query `query`'s kept candidates, best first; `transform` maps stored scores to reported ones.
    func ranked(query: Int, transform: (Float) -> Float = { $0 }) -> [Match] {
        let s = scores + query * k, ix = indices + query * k
        return (0..<counts[query])
            .sorted { RankOrder.precedes(s[$0], ix[$0], s[$1], ix[$1]) }
            .map { Match(index: Int(ix[$0]), score: transform(s[$0])) }
    }
}

/// Top-k selection over a plain score list, in `tf.nn.top_k` order.
public enum TopK {
    /// The `min(k, scores.count)` best entries of `scores` (index = position), best first.
    public static func select(_ scores: [Float], k: Int) -> [Match] {
        let table = TopKTable(queries: 1, k: max(0, min(k, scores.count)))
        for (index, score) in scores.enumerated() { table.offer(query: 0, score: score, index: Int32(index)) }
        return table.ranked(query: 0)
    }
}

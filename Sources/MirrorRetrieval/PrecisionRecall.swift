/// Mean interpolated precision–recall curves for `mirror eval --plot`.
///
/// Per query, the ranked list as the benchmark scored it (junk removed) gives points
/// (recall = hits so far / relevant count, precision = hits so far / position). The curve is
/// sampled at recall levels 0, 1/(L−1), …, 1 with the usual interpolation
/// p̂(r) = max{precision of a point with recall ≥ r}, and 0 where the list never reaches
/// recall r (a truncated list, or positives that were not returned). The benchmark's curve is
/// the mean of its queries' curves at each level; queries without relevant images are left out.
/// This is a picture of the ranking, not one of the seed's metrics: its area is close to, but
/// not the same as, the trapezoid mAP.
public enum PrecisionRecall {
    /// Recall levels sampled (0.00, 0.01, …, 1.00).
    public static let levelCount = 101

    public static var recallLevels: [Double] { (0..<levelCount).map { Double($0) / Double(levelCount - 1) } }

    /// One query's interpolated precision at `recallLevels`; nil when `relevantCount` is 0.
    public static func interpolated(hits: [Bool], relevantCount: Int) -> [Double]? {
        guard relevantCount > 0 else { return nil }
        var curve = [Double](repeating: 0, count: levelCount)
        var found = 0
        var points: [(recall: Double, precision: Double)] = []
        for (position, hit) in hits.enumerated() where hit {
            found += 1
            points.append((Double(found) / Double(relevantCount), Double(found) / Double(position + 1)))
        }
        // Right to left: the running maximum of precision over points with recall ≥ level.
        var best = 0.0
        var next = points.count - 1
        for level in stride(from: levelCount - 1, through: 0, by: -1) {
            let recall = Double(level) / Double(levelCount - 1)
            while next >= 0 && points[next].recall >= recall - 1e-12 {
                best = max(best, points[next].precision)
                next -= 1
            }
            curve[level] = best
        }
        return curve
    }

    /// The mean curve of a benchmark's queries; nil when no query has relevant images.
    public static func meanCurve(_ queries: [(hits: [Bool], relevantCount: Int)]) -> [Double]? {
        let curves = queries.compactMap { interpolated(hits: $0.hits, relevantCount: $0.relevantCount) }
        guard !curves.isEmpty else { return nil }
        return (0..<levelCount).map { level in curves.map { $0[level] }.reduce(0, +) / Double(curves.count) }
    }
}

/// The seed's query expansion (`simple_query_expansion` + the `--et` loop, SPEC §4).
///
/// Expansion of query image i from a ranked result: `Q' = Q + Σ_{j < qe} (score_j / R) · DB[idx_j]`,
/// **region-index aligned** (query row r adds database row r of each neighbour), in float64 with
/// `score_j / R` as `Double(scoreF32) / Double(R)`; then every row of Q' is L2-normalised
/// (`nan_to_num(normalize(·))`). Each round is rebuilt from the **original** queries and the
/// latest result, and re-matched with **cosine** even after a Euclidean first match.
///
/// The seed keeps float64 query/database features for this step; mirror expands the float32
/// vectors it matches with, which moves expanded rows by about 1e-8 (float32 rounding).
/// Self-matching with expansion crashes the seed (its database is None there); mirror expands
/// against the database itself.
public enum QueryExpansion {
    /// Expanded, normalised float32 query rows (`[queries · R, D]`) from `results` (one list per query).
    public static func expand(queries: RegionVectors, database: RegionVectors, results: [[Match]], regions: Int, dims: Int,
                              count qe: Int) -> [Float] {
        let r = regions, d = dims
        precondition(queries.rows == results.count * r && queries.dims == d, "one result list per query image is needed")
        var output = [Float](repeating: 0, count: queries.rows * d)
        var rows = [Double](repeating: 0, count: r * d)
        var block = [Float](repeating: 0, count: r * d)
        queries.withRows { qp in
            database.withRows { dp in
                for (i, neighbours) in results.enumerated() {
                    let base = i * r * d
                    block.withUnsafeMutableBufferPointer { qp.copy(rows: i * r, count: r, to: $0.baseAddress!) }
                    for e in 0..<(r * d) { rows[e] = Double(block[e]) }
                    for neighbour in neighbours.prefix(max(0, qe)) {
                        let weight = Double(neighbour.score) / Double(r)
                        block.withUnsafeMutableBufferPointer { dp.copy(rows: neighbour.index * r, count: r, to: $0.baseAddress!) }
                        for e in 0..<(r * d) { rows[e] = rows[e] + weight * Double(block[e]) }
                    }
                    L2Normalization.normalizeRows(&rows, dims: d)
                    for e in 0..<(r * d) { output[base + e] = Float(rows[e]) }
                }
            }
        }
        return output
    }

    /// The seed's whole query stage: match, then `rounds` times expand with the top `qe` results
    /// and re-match (cosine). `qe ≤ 0` or `rounds ≤ 0` is a single match (the seed's `QE_FN` only
    /// exists for `qe > 0`). `queries == nil` queries the database itself. With the matcher's
    /// shortlist on, every round is a two-stage search.
    ///
    /// With `part` only those queries are ranked (see `PRMACMatcher.match`); expansion is per
    /// query, so every round of the part equals the whole run's rows.
    ///
    /// Memory: the expanded rows are made and matched in chunks of whole query blocks (each a
    /// `QueryPart`, so the results are the unchunked ones bit for bit) of at most half the
    /// matcher's `memoryBudget` for the expanded rows and their float32 originals: at 10⁵ images
    /// × 35 × 256 the expanded queries alone would be 3.6 GB.
    public static func run(matcher: PRMACMatcher, queries: [Float]?, top: Int, aml: Bool = false,
                           metric: PRMACMatcher.Metric = .cosine, qe: Int = 0, rounds: Int = 0,
                           part: QueryPart? = nil) -> [[Match]] {
        var results = matcher.match(queries: queries, top: top, aml: aml, metric: metric, part: part)
        guard qe > 0, rounds > 0, !results.isEmpty else { return results }
        let (r, d) = (matcher.regions, matcher.dims)
        let whole = part ?? QueryPart(range: 0..<results.count, total: results.count)
        let imageBytes = 2 * r * d * MemoryLayout<Float>.size
        let perChunk = matcher.expansionChunkImages ?? max(1, matcher.memoryBudget / 2 / imageBytes)
        let chunks = matcher.split(whole, into: max(1, (whole.range.count + perChunk - 1) / perChunk), top: top)
        for _ in 0..<rounds {
            var next: [[Match]] = []
            next.reserveCapacity(results.count)
            for chunk in chunks where !chunk.range.isEmpty {
                // The chunk's rows: of `queries` (which hold `whole`'s), else of the database.
                let offset = queries == nil ? 0 : whole.range.lowerBound
                let rows = (chunk.range.lowerBound - offset) * r..<(chunk.range.upperBound - offset) * r
                let original = queries.map { RegionVectors(Array($0[(rows.lowerBound * d)..<(rows.upperBound * d)]), dims: d) }
                    ?? matcher.database.slice(rows: rows)
                let local = (chunk.range.lowerBound - whole.range.lowerBound)..<(chunk.range.upperBound - whole.range.lowerBound)
                let expanded = expand(queries: original, database: matcher.database, results: Array(results[local]),
                                      regions: r, dims: d, count: qe)
                next += matcher.match(queries: expanded, top: top, aml: aml, metric: .cosine, part: chunk)
            }
            results = next
        }
        return results
    }
}

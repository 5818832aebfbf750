import MirrorRetrieval
import XCTest

/// SPEC §4's query-expansion example and the seed's loop semantics.
final class QueryExpansionTests: XCTestCase {
    let query: [Float] = [1, 0, 0, 1]
    let database: [Float] = [0.6, 0.8, 1, 0, 0, 1, 0.6, 0.8]

    func testWorkedExampleExpandsRegionAlignedAndRenormalises() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let first = matcher.match(queries: query, top: 2)
        XCTAssertEqual(Double(first[0][0].score) / 2, 0.8999999761581421)
        let expanded = QueryExpansion.expand(queries: RegionVectors(query, dims: 2), database: RegionVectors(database, dims: 2), results: first, regions: 2, dims: 2, count: 1)
        let expected: [Float] = [0.9058823557, 0.4235294058, 0.6689647218, 0.7432941551]
        for (x, y) in zip(expanded, expected) { XCTAssertEqual(x, y, accuracy: 1e-7) }

        let rematched = QueryExpansion.run(matcher: matcher, queries: query, top: 2, qe: 1, rounds: 1)
        XCTAssertEqual(MatchPairs.format(rematched, regions: 2), "0 0 0.9509482979774475\n0 1 0.9391835927963257")
    }

    func testEveryRoundStartsFromTheOriginalQueries() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let once = QueryExpansion.run(matcher: matcher, queries: query, top: 2, qe: 1, rounds: 1)
        let twice = QueryExpansion.run(matcher: matcher, queries: query, top: 2, qe: 1, rounds: 2)
        // Round 2 expands the ORIGINAL query with round 1's ranking and scores …
        let fromOriginal = QueryExpansion.expand(queries: RegionVectors(query, dims: 2), database: RegionVectors(database, dims: 2), results: once, regions: 2, dims: 2, count: 1)
        XCTAssertEqual(twice, matcher.match(queries: fromOriginal, top: 2))
        // … not the already expanded one.
        let first = matcher.match(queries: query, top: 2)
        let expandedOnce = QueryExpansion.expand(queries: RegionVectors(query, dims: 2), database: RegionVectors(database, dims: 2), results: first, regions: 2, dims: 2, count: 1)
        let cumulative = QueryExpansion.expand(queries: RegionVectors(expandedOnce, dims: 2), database: RegionVectors(database, dims: 2), results: once, regions: 2, dims: 2, count: 1)
        XCTAssertNotEqual(twice, matcher.match(queries: cumulative, top: 2))
    }

    func testNoExpansionWithoutBothQeAndRounds() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let plain = matcher.match(queries: query, top: 2)
        XCTAssertEqual(QueryExpansion.run(matcher: matcher, queries: query, top: 2, qe: 3, rounds: 0), plain)
        XCTAssertEqual(QueryExpansion.run(matcher: matcher, queries: query, top: 2, qe: 0, rounds: 2), plain)
    }

    func testExpansionAlwaysRematchesWithCosine() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let results = QueryExpansion.run(matcher: matcher, queries: query, top: 2, metric: .euclidean, qe: 1, rounds: 1)
        XCTAssertGreaterThan(results[0][0].score, results[0][1].score)  // descending: cosine scores
    }

    func testSelfMatchingExpandsAgainstTheDatabase() {
        // The seed crashes here (its database is None); mirror expands the database's own rows.
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let first = matcher.match(top: 2)
        let expanded = QueryExpansion.expand(queries: RegionVectors(database, dims: 2), database: RegionVectors(database, dims: 2), results: first, regions: 2, dims: 2, count: 1)
        XCTAssertEqual(QueryExpansion.run(matcher: matcher, queries: nil, top: 2, qe: 1, rounds: 1),
                       matcher.match(queries: expanded, top: 2))
    }
}

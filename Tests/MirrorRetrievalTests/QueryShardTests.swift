import Foundation
@testable import MirrorRetrieval
import TestSupport
import XCTest

/// `QueryPart`: the parts of a run, ranked one by one and joined, give the whole run's results bit
/// for bit — self-matching (the symmetric path), explicit queries, query expansion, Euclidean,
/// AML and the two-stage search — for 1, 3 and 7 parts. Blocks are made small so that every part
/// spans several of them and cuts through the run's block grid. On this data a slice of queries
/// ranked afresh, or the self-matching run's rows ranked by the plain path, differ from the whole
/// run in the last bits (checked when these tests were written), so equality here is not free.
final class QueryShardTests: XCTestCase {
    let images = 61, regions = 35, dims = 64

    /// A matcher over planted features (`PlantedFeatures`: realistic whitened regions, 4 views a
    /// scene), with 3-image exhaustive blocks and 8-query stage-1 blocks.
    private func matcher(shortlist: Int = 0) -> PRMACMatcher {
        let vectors = PlantedFeatures(images: images, regions: regions, dims: dims).generate(half: false)
        var matcher = PRMACMatcher(database: vectors, regions: regions, dims: dims, threads: 2)
        matcher.preferredBlockRows = 3 * regions
        matcher.shortlistQueryBlock = 8
        matcher.shortlist = shortlist
        return matcher
    }

    /// Results of every part of `shards`, joined; `queries` (all of them) are cut per part.
    private func joined(_ matcher: PRMACMatcher, shards: Int, queries: [Float]?, top: Int, aml: Bool = false,
                        metric: PRMACMatcher.Metric = .cosine, qe: Int = 0) -> [[Match]] {
        let total = queries.map { $0.count / (regions * dims) } ?? images
        var all: [[Match]] = []
        var covered = 0
        for shard in 0..<shards {
            let part = matcher.part(shard, of: shards, total: total, top: top)
            XCTAssertEqual(part.range.lowerBound, covered, "parts are contiguous")
            covered = part.range.upperBound
            let rows = queries.map { Array($0[(part.range.lowerBound * regions * dims)..<(part.range.upperBound * regions * dims)]) }
            let results = QueryExpansion.run(matcher: matcher, queries: rows, top: top, aml: aml, metric: metric,
                                             qe: qe, rounds: qe > 0 ? 1 : 0, part: part)
            XCTAssertEqual(results.count, part.range.count)
            all += results
        }
        XCTAssertEqual(covered, total, "parts cover every query")
        return all
    }

    private func assertPartsEqualTheWholeRun(_ matcher: PRMACMatcher, queries: [Float]? = nil, top: Int, aml: Bool = false,
                                             metric: PRMACMatcher.Metric = .cosine, qe: Int = 0,
                                             file: StaticString = #filePath, line: UInt = #line) {
        let whole = QueryExpansion.run(matcher: matcher, queries: queries, top: top, aml: aml, metric: metric,
                                       qe: qe, rounds: qe > 0 ? 1 : 0)
        XCTAssertEqual(whole.count, queries.map { $0.count / (regions * dims) } ?? images, file: file, line: line)
        for shards in [1, 3, 7] {
            let parts = joined(matcher, shards: shards, queries: queries, top: top, aml: aml, metric: metric, qe: qe)
            XCTAssertEqual(parts, whole, "\(shards) parts", file: file, line: line)
        }
    }

    func testSelfMatchingPartsEqualTheSymmetricRun() {
        let matcher = matcher()
        XCTAssertEqual(matcher.queryBlock(top: 10), 3)
        assertPartsEqualTheWholeRun(matcher, top: 10)
        assertPartsEqualTheWholeRun(matcher, top: 10, aml: true)
        assertPartsEqualTheWholeRun(matcher, top: 6, qe: 2)
    }

    func testExplicitAndEuclideanQueries() {
        let matcher = matcher()
        let queries = matcher.database.slice(rows: (5 * regions)..<(50 * regions)).float32Values()
        assertPartsEqualTheWholeRun(matcher, queries: queries, top: 8)
        assertPartsEqualTheWholeRun(matcher, queries: queries, top: 8, metric: .euclidean)
        assertPartsEqualTheWholeRun(matcher, top: 8, metric: .euclidean)
    }

    func testTwoStageParts() {
        let matcher = matcher(shortlist: 12)
        XCTAssertTrue(matcher.usesShortlist(top: 5))
        XCTAssertEqual(matcher.queryBlock(top: 5), 8)
        assertPartsEqualTheWholeRun(matcher, top: 5)
        assertPartsEqualTheWholeRun(matcher, top: 5, qe: 2)
    }

    /// Query expansion in chunks of a few blocks (bounded memory) gives the unchunked results, for
    /// every search and for parts, over two rounds.
    func testChunkedExpansionEqualsTheWholeExpansion() {
        for shortlist in [0, 12] {
            let whole = matcher(shortlist: shortlist)
            var chunked = whole
            chunked.expansionChunkImages = 7
            let queries = whole.database.slice(rows: (3 * regions)..<(40 * regions)).float32Values()
            for rows in [nil, queries] {
                let expected = QueryExpansion.run(matcher: whole, queries: rows, top: 6, qe: 2, rounds: 2)
                XCTAssertEqual(QueryExpansion.run(matcher: chunked, queries: rows, top: 6, qe: 2, rounds: 2), expected,
                               "shortlist \(shortlist), \(rows == nil ? "self" : "query list")")
            }
            let part = chunked.part(1, of: 2, total: images, top: 6)
            XCTAssertEqual(QueryExpansion.run(matcher: chunked, queries: nil, top: 6, qe: 2, rounds: 2, part: part),
                           Array(QueryExpansion.run(matcher: whole, queries: nil, top: 6, qe: 2, rounds: 2)[part.range]))
        }
    }

    /// More shards than blocks: the extra parts are empty, and the rest still join to the run.
    func testMoreShardsThanBlocks() {
        var matcher = matcher()
        matcher.preferredBlockRows = 30 * regions
        let parts = (0..<7).map { matcher.part($0, of: 7, total: images, top: 4) }
        XCTAssertEqual(parts.map(\.range.count).reduce(0, +), images)
        XCTAssertEqual(parts.filter { $0.range.isEmpty }.count, 4, "\(parts.map(\.range))")
        assertPartsEqualTheWholeRun(matcher, top: 4)
    }
}

@testable import MirrorRetrieval
import TestSupport
import XCTest

/// PR-MAC on the SPEC §4 worked example, special cases, and the equivalence of the blocked,
/// symmetric and plain paths.
final class PRMACMatcherTests: XCTestCase {
    // SPEC §4, R=2: q=(1,0),(0,1); DB img0=(0.6,0.8),(1,0); img1=(0,1),(0.6,0.8).
    let query: [Float] = [1, 0, 0, 1]
    let database: [Float] = [0.6, 0.8, 1, 0, 0, 1, 0.6, 0.8]

    func testWorkedExampleCosine() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        let results = matcher.match(queries: query, top: 200)
        XCTAssertEqual(results, [[Match(index: 0, score: 1.8), Match(index: 1, score: 1.6)]])
        XCTAssertEqual(MatchPairs.format(results, regions: 2), "0 0 0.8999999761581421\n0 1 0.800000011920929")
    }

    func testWorkedExampleAMLKeepsTheLowerIndexOnTies() {
        let results = PRMACMatcher(database: database, regions: 2, dims: 2).match(queries: query, top: 2, aml: true)
        XCTAssertEqual(results, [[Match(index: 0, score: 1), Match(index: 1, score: 1)]])
    }

    func testWorkedExampleEuclideanRanksAscending() {
        let results = PRMACMatcher(database: database, regions: 2, dims: 2).match(queries: query, top: 2, metric: .euclidean)
        XCTAssertEqual(results[0].map(\.index), [0, 1])
        XCTAssertEqual(results[0][0].score, 0.4, accuracy: 1e-6)
        XCTAssertEqual(results[0][1].score, 0.8, accuracy: 1e-6)
    }

    func testTopIsCappedAtTheDatabaseSizeAndZeroGivesNothing() {
        let matcher = PRMACMatcher(database: database, regions: 2, dims: 2)
        XCTAssertEqual(matcher.match(queries: query, top: 1).map { $0.map(\.index) }, [[0]])
        XCTAssertEqual(matcher.match(queries: query, top: 0), [[]])
        XCTAssertEqual(matcher.match(top: 5).map(\.count), [2, 2])
    }

    func testTiesKeepTheLowerDatabaseIndexFirst() {
        // Exactly representable values, so every path computes the tied scores bit for bit.
        let rows: [[Float]] = [[1, 0], [0.5, 0.5], [0, 1], [0.5, 0.5], [1, 0], [0.5, 0.5]]
        let matcher = PRMACMatcher(database: rows.flatMap { $0 }, regions: 1, dims: 2)
        let results = matcher.match(queries: [1, 0.5], top: 6)  // scores 1, 0.75, 0.5, 0.75, 1, 0.75
        XCTAssertEqual(results[0].map(\.index), [0, 4, 1, 3, 5, 2])
        XCTAssertEqual(TopK.select([1, 3, 3, 2, 3], k: 3).map(\.index), [1, 2, 4])
        XCTAssertEqual(TopK.select([.nan, 0, -1], k: 3).map(\.index), [1, 2, 0])
        XCTAssertEqual(TopK.select([2, 1], k: 5).map(\.index), [0, 1])
    }

    func testBoundedHeapKeepsTheBestOfManyCandidates() {
        var generator = SeededGenerator(seed: 7)
        let scores = (0..<5000).map { _ in Float(Int(generator.next() % 300)) }  // many ties
        let expected = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(2500)
        XCTAssertEqual(TopK.select(scores, k: 2500).map(\.index), Array(expected))
    }

    func testSymmetricBlockedAndPlainPathsAgree() {
        let (images, regions, dims) = (37, 5, 24)
        let data = randomRows(images * regions, dims, seed: 3)
        for metric in PRMACMatcher.Metric.allCases {
            for aml in [false, true] {
                var reference = PRMACMatcher(database: data, regions: regions, dims: dims, threads: 1)
                reference.preferredBlockRows = Int.max / 2   // one block: the unblocked matcher
                let expected = reference.run(queries: RegionVectors(data, dims: dims), top: 9, aml: aml, metric: metric, symmetric: false)
                for budget in [1, 5_000, 40_000, 1 << 30] {
                    for threads in [1, 2] {
                        let matcher = PRMACMatcher(database: data, regions: regions, dims: dims, memoryBudget: budget, threads: threads)
                        let label = "\(metric) aml=\(aml) budget=\(budget) threads=\(threads)"
                        let symmetric = matcher.run(queries: nil, top: 9, aml: aml, metric: metric, symmetric: true)
                        let plain = matcher.run(queries: RegionVectors(data, dims: dims), top: 9, aml: aml, metric: metric, symmetric: false)
                        assertSameRanking(symmetric, expected, label + " symmetric")
                        assertSameRanking(plain, expected, label + " plain")
                    }
                }
            }
        }
    }

    func testBlockSizeFollowsTheBudget() {
        var matcher = PRMACMatcher(database: randomRows(40 * 35, 8, seed: 1), regions: 35, dims: 8, memoryBudget: 1)
        XCTAssertEqual(matcher.blockImages(workers: 2), 1)
        matcher.memoryBudget = 2 * 10 * 10 * (35 * 35 * 4 + 8)
        XCTAssertEqual(matcher.blockImages(workers: 2), 10)
        matcher.memoryBudget = 1 << 30
        XCTAssertEqual(matcher.blockImages(workers: 2), 1024 / 35)
    }
}


/// `rows × dims` L2-normalised random rows.
func randomRows(_ rows: Int, _ dims: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    var values = (0..<(rows * dims)).map { _ in generator.uniform() * 2 - 1 }
    L2Normalization.normalizeRows(&values, dims: dims)
    return values
}

/// Same ranked indices, and scores within 16 ulps of their scale (at least 1, the scale of the
/// unit-norm operands; Euclidean self-distances cancel to ~0): the block shapes differ between
/// the paths, and OpenBLAS may pick another sgemm kernel or edge path for another shape (seen
/// on a Zen 1 EPYC, bit-identical on Zen 4), which moves a dot product by an ulp or two.
func assertSameRanking(_ a: [[Match]], _ b: [[Match]], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.map { $0.map(\.index) }, b.map { $0.map(\.index) }, label, file: file, line: line)
    for (x, y) in zip(a.joined(), b.joined()) where abs(x.score - y.score) > 16 * Float.ulpOfOne * max(1, abs(x.score), abs(y.score)) {
        XCTFail("\(label): score \(x.score) vs \(y.score)", file: file, line: line)
        return
    }
}

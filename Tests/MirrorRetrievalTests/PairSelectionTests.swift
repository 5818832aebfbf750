import MirrorRetrieval
import XCTest

/// `PairSelection` on two hand-made clusters of three images ({0, 1, 2} and {3, 4, 5}, weak scores
/// across), every expectation worked out by hand from the directed scores below.
final class PairSelectionTests: XCTestCase {
    /// Directed scores (regions = 1, so score = sum); each list is sorted best first by `results`.
    let scores: [[(Int, Float)]] = [
        [(1, 0.9), (2, 0.8), (3, 0.3), (4, 0.2), (5, 0.1)],
        [(0, 0.85), (2, 0.7), (4, 0.35), (3, 0.1), (5, 0.05)],
        [(1, 0.75), (0, 0.6), (5, 0.25), (3, 0.15), (4, 0.1)],
        [(4, 0.9), (5, 0.8), (0, 0.32), (1, 0.2), (2, 0.1)],
        [(3, 0.88), (5, 0.7), (1, 0.4), (0, 0.2), (2, 0.1)],
        [(4, 0.72), (3, 0.6), (2, 0.3), (0, 0.1), (1, 0.05)],
    ]

    var results: [[Match]] {
        scores.enumerated().map { query, list in
            [Match(index: query, score: 1)] + list.map { Match(index: $0.0, score: $0.1) }
        }
    }

    private func select(_ configure: (inout PairSelection.Options) -> Void) -> (pairs: [[Int]], summary: PairSelection.Summary) {
        var options = PairSelection.Options(top: 1)
        configure(&options)
        let (edges, summary) = PairSelection.select(results, regions: 1, options: options)
        return (edges.map { [$0.first, $0.second] }, summary)
    }

    func testTopKGivesTwoComponents() {
        let (pairs, summary) = select { _ in }
        XCTAssertEqual(pairs, [[0, 1], [1, 2], [3, 4], [4, 5]])
        XCTAssertEqual(summary.componentsBefore, 2)
        XCTAssertEqual(summary.componentsAfter, 2)
        XCTAssertEqual(summary.degreeCounts.prefix(3), [0, 4, 2])
    }

    func testMutualThenDegreeFloor() {
        let mutual = select { $0.mutual = true }
        XCTAssertEqual(mutual.pairs, [[0, 1], [3, 4]])
        XCTAssertEqual(mutual.summary.componentsAfter, 4)
        let floored = select { $0.mutual = true; $0.minDegree = 1 }
        XCTAssertEqual(floored.pairs, [[0, 1], [3, 4], [1, 2], [4, 5]])
        XCTAssertEqual(floored.summary.added[.degree], 2)
        XCTAssertEqual(floored.summary.imagesBelowFloor, 0)
    }

    func testDegreeFloorKeepsEachImagesOwnBestPartners() {
        // Image 0 already has a partner (1 chose it), but its own best, 2, is below the threshold:
        // the floor adds {0,2} all the same, since a partner another image chose need not be one
        // this image would match well.
        let directed: [[(Int, Float)]] = [[(2, 0.6), (1, 0.5)], [(0, 0.8), (2, 0.1)], [(1, 0.7), (0, 0.6)]]
        let results = directed.enumerated().map { query, list in
            [Match(index: query, score: 1)] + list.map { Match(index: $0.0, score: $0.1) }
        }
        var options = PairSelection.Options(top: 1)
        options.minScore = 0.65
        let thresholded = PairSelection.select(results, regions: 1, options: options)
        XCTAssertEqual(thresholded.edges.map { [$0.first, $0.second] }, [[0, 1], [1, 2]])
        options.minDegree = 1
        let floored = PairSelection.select(results, regions: 1, options: options)
        XCTAssertEqual(floored.edges.map { [$0.first, $0.second] }, [[0, 1], [1, 2], [0, 2]])
        XCTAssertEqual(floored.summary.added[.degree], 1)
    }

    func testConnectUsesTheBestCrossPairAboveTheFloor() {
        // Cross pairs by their larger direction: {1,4} 0.4, {0,3} 0.32, {2,5} 0.3, ...
        let linked = select { $0.connect = true; $0.connectFloor = 0.3 }
        XCTAssertEqual(linked.pairs, [[0, 1], [1, 2], [3, 4], [4, 5], [1, 4]])
        XCTAssertEqual(linked.summary.componentsAfter, 1)
        XCTAssertEqual(linked.summary.added[.link], 1)
        let floor = select { $0.connect = true; $0.connectFloor = 0.5 }
        XCTAssertEqual(floor.summary.componentsAfter, 2, "no cross pair reaches 0.5")
    }

    func testThresholdsAndBudget() {
        // top 2: {0,1} .9, {0,2} .8, {1,2} .75, {3,4} .9, {3,5} .8, {4,5} .72.
        let budget = select { $0.top = 2; $0.maxPairs = 4 }
        XCTAssertEqual(budget.pairs, [[0, 1], [0, 2], [3, 4], [3, 5]])
        // The floor of one pair each is {0,1}, {0,2} (image 2's best), {3,4}, {3,5}; then {1,2} beats {4,5}.
        let floored = select { $0.top = 2; $0.minDegree = 1; $0.maxPairs = 5 }
        XCTAssertEqual(floored.pairs, [[0, 1], [0, 2], [1, 2], [3, 4], [3, 5]])
        let over = select { $0.mutual = true; $0.minDegree = 1; $0.maxPairs = 3 }
        XCTAssertEqual(over.pairs.count, 4)
        XCTAssertTrue(over.summary.floorOverBudget)
        let strict = select { $0.top = 2; $0.minScore = 0.78 }
        XCTAssertEqual(strict.pairs, [[0, 1], [0, 2], [3, 4], [3, 5]])
        let logistic = try! MatchabilityCalibration.parse("""
            {"method": "logistic", "min_overlap": 0.5, "slope": 100, "intercept": -78,
             "source": {"net": "n", "content_sha256": "s", "img_size": 1, "rmac_step": [1], "pca_dims": 0}}
            """, path: "inline")
        var options = PairSelection.Options(top: 2)
        options.minProbability = 0.5
        let probable = PairSelection.select(results, regions: 1, options: options, calibration: logistic)
        XCTAssertEqual(probable.edges.map { [$0.first, $0.second] }, [[0, 1], [0, 2], [3, 4], [3, 5]], "P ≥ 0.5 ⇔ score ≥ 0.78")
    }
}

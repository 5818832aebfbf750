import MirrorRetrieval
import XCTest

/// The interpolated precision–recall curve behind `mirror eval --plot`.
final class PrecisionRecallTests: XCTestCase {
    func testInterpolationTakesTheBestPrecisionAtOrBeyondEachRecall() throws {
        // Hits at positions 1 and 3 of 3 relevant: points (1/3, 1) and (2/3, 2/3); recall 1 is never reached.
        let curve = try XCTUnwrap(PrecisionRecall.interpolated(hits: [true, false, true, false], relevantCount: 3))
        XCTAssertEqual(curve.count, 101)
        XCTAssertEqual(curve[0], 1)
        XCTAssertEqual(curve[33], 1)          // 0.33 ≤ 1/3
        XCTAssertEqual(curve[34], 2.0 / 3)    // 0.34 > 1/3
        XCTAssertEqual(curve[66], 2.0 / 3)
        XCTAssertEqual(curve[67], 0)
        XCTAssertEqual(curve[100], 0)
    }

    func testSpecialCases() throws {
        XCTAssertNil(PrecisionRecall.interpolated(hits: [true], relevantCount: 0))
        XCTAssertEqual(PrecisionRecall.interpolated(hits: [], relevantCount: 2), [Double](repeating: 0, count: 101))
        XCTAssertEqual(PrecisionRecall.interpolated(hits: [true, true], relevantCount: 2), [Double](repeating: 1, count: 101))
        // A later, better point lifts the earlier recalls (precision 0.5 at recall 0.5, then 2/3 at recall 1).
        let curve = try XCTUnwrap(PrecisionRecall.interpolated(hits: [false, true, true], relevantCount: 2))
        XCTAssertEqual(curve[0], 2.0 / 3)
        XCTAssertEqual(curve[100], 2.0 / 3)
        let mean = try XCTUnwrap(PrecisionRecall.meanCurve([([true, true], 2), ([], 2), ([true], 0)]))
        XCTAssertEqual(mean, [Double](repeating: 0.5, count: 101))
        XCTAssertNil(PrecisionRecall.meanCurve([([true], 0)]))
    }
}

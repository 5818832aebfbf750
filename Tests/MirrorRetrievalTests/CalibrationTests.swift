import Foundation
import MirrorRetrieval
import TestSupport
import XCTest

/// `MatchabilityCalibration` against scikit-learn (`Fixtures/calibration/reference.json`, made by
/// `Fixtures/scripts/make_calibration_fixtures.py`): isotonic predictions, the logistic fit, the
/// 10-bin ECE; monotonicity; the JSON round trip and its validation; score-source headers.
final class CalibrationTests: XCTestCase {
    struct Reference: Decodable {
        let scores: [Double]
        let labels: [Int]
        let queries: [Double]
        let isotonic_predictions: [Double]
        let logistic_slope: Double
        let logistic_intercept: Double
        let logistic_probabilities: [Double]
        let logistic_ece_10_bins: Double
    }

    let source = ScoreSource(net: "efficientnet-lite0", contentSHA256: String(repeating: "ab", count: 32), imageSize: 448,
                             rmacSteps: [1, 3, 5], pcaDims: 256)

    private func reference() throws -> Reference {
        let url = TestPaths.fixtures.appendingPathComponent("calibration/reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    private func fit(_ method: MatchabilityCalibration.Method, _ r: Reference) throws -> MatchabilityCalibration {
        try MatchabilityCalibration.fit(method: method, scores: r.scores, labels: r.labels.map { $0 == 1 }, minOverlap: 0.5,
                                        source: source, fittedOn: "fixture")
    }

    func testIsotonicMatchesScikitLearn() throws {
        let r = try reference()
        let calibration = try fit(.isotonic, r)
        for (query, expected) in zip(r.queries, r.isotonic_predictions) {
            XCTAssertEqual(calibration.probability(query), expected, accuracy: 1e-12, "score \(query)")
        }
        let grid = stride(from: -0.2, through: 1.2, by: 0.001).map(calibration.probability)
        XCTAssertTrue(zip(grid, grid.dropFirst()).allSatisfy { $0 <= $1 }, "monotone")
        // Fitted isotonically, the data is calibrated on itself: every block's mean is its fraction.
        let own = MatchabilityCalibration.expectedCalibrationError(probabilities: r.scores.map(calibration.probability),
                                                                   labels: r.labels.map { $0 == 1 })
        XCTAssertEqual(own.error, 0, accuracy: 1e-12)
    }

    func testExpectedCalibrationErrorMatchesNumPy() throws {
        let r = try reference()
        let ece = MatchabilityCalibration.expectedCalibrationError(probabilities: r.logistic_probabilities,
                                                                   labels: r.labels.map { $0 == 1 })
        XCTAssertEqual(ece.error, r.logistic_ece_10_bins, accuracy: 1e-12)
        XCTAssertGreaterThan(ece.error, 0.01)
        XCTAssertEqual(ece.bins.map(\.count).reduce(0, +), r.scores.count)
    }

    func testLogisticMatchesScikitLearn() throws {
        let r = try reference()
        let calibration = try fit(.logistic, r)
        XCTAssertEqual(calibration.slope, r.logistic_slope, accuracy: 1e-6 * abs(r.logistic_slope))
        XCTAssertEqual(calibration.intercept, r.logistic_intercept, accuracy: 1e-6 * abs(r.logistic_intercept))
    }

    func testJSONRoundTripAndValidation() throws {
        let r = try reference()
        for method in MatchabilityCalibration.Method.allCases {
            let calibration = try fit(method, r)
            XCTAssertEqual(try MatchabilityCalibration.parse(calibration.json, path: "c.json"), calibration)
        }
        let decreasing = try fit(.isotonic, r).json.replacingOccurrences(of: "\"probabilities\": [0.0", with: "\"probabilities\": [2.0")
        XCTAssertThrowsError(try MatchabilityCalibration.parse(decreasing, path: "bad.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bad.json: not a usable calibration"), "\(error)")
        }
        XCTAssertThrowsError(try MatchabilityCalibration.parse("[1]", path: "x.json"))
        XCTAssertThrowsError(try MatchabilityCalibration.fit(method: .isotonic, scores: [0.1, 0.2], labels: [true, true], minOverlap: 0.5,
                                                              source: source, fittedOn: "")) { error in
            XCTAssertEqual(error as? CalibrationError, .oneClass(matchable: true, count: 2))
        }
    }

    func testScoreSourceHeaderRoundTripAndDifferences() {
        XCTAssertEqual(ScoreSource.parse(headerLine: source.headerLine), source)
        XCTAssertNil(ScoreSource.parse(headerLine: "a.jpg\tb.jpg\t0.5"))
        var other = source
        other.pcaDims = 0
        XCTAssertEqual(source.difference(from: other), "fitted on scores with PCA to 256 dims, these have no PCA")
        other = source
        other.contentSHA256 = String(repeating: "cd", count: 32)
        XCTAssertTrue(source.difference(from: other)!.contains("weights abababababab"))
        XCTAssertNil(source.difference(from: source))
    }
}

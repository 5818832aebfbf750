import Foundation
import MirrorCore
import MirrorTraining
import TestSupport
import XCTest

/// Softmin and hinge loss values against an independent float64 NumPy transcription of SPEC
/// §8.5 (Fixtures/scripts/make_softmin_loss_fixtures.py → Fixtures/loss/).
///
/// Values must agree to 1e-9 relative: both sides compute in float64 from the same float32
/// features and differ only in summation order (≈ 1e-15); the brief's bound is 1e-5, and
/// anything between the two would reveal a formula difference, not rounding. Accuracies must be
/// identical: the script checks that no argument lies within 1e-6 of a counting threshold, and
/// both evaluate `1 − n / B / (B−1) / 2` in the same order.
final class TripletLossFixtureTests: XCTestCase {
    let directory = TestPaths.fixtures.appendingPathComponent("loss")

    struct MalformedFixture: Error { var line: String }

    struct Row {
        var name: String
        var loss: TripletLossKind
        var batch: Int
        var channels: Int
        /// (loss, accuracy) of easy, weak, hard, unweighted.
        var terms: [(Double, Double)]
    }

    func rows() throws -> [Row] {
        let text = try String(contentsOf: directory.appendingPathComponent("expected.tsv"), encoding: .utf8)
        let lines = text.split(separator: "\n").dropFirst()
        return try lines.map { line in
            let cells = line.split(separator: "\t").map(String.init)
            guard cells.count == 13, let kind = TripletLossKind(rawValue: cells[1]) else {
                throw MalformedFixture(line: String(line))
            }
            let terms = (0..<3).map { (Double(cells[4 + 3 * $0])!, Double(cells[5 + 3 * $0])!) }
            return Row(name: cells[0], loss: kind, batch: Int(cells[2])!, channels: Int(cells[3])!, terms: terms)
        }
    }

    func features(_ row: Row, _ role: String) throws -> Tensor {
        let tensor = try NpyFile.read(directory.appendingPathComponent("\(row.name).\(role).npy").path).tensor()
        XCTAssertEqual(tensor.shape, [row.batch, row.channels])
        return tensor
    }

    func testLossValuesAndAccuraciesMatchNumPy() throws {
        let rows = try rows()
        XCTAssertEqual(rows.count, 10, "five cases × two losses")
        for row in rows {
            let a = try features(row, "anchors"), p = try features(row, "positives"), n = try features(row, "negatives")
            for weight in [0.5, 1.0] {
                let options = TripletLossOptions(withWeak: true, withHard: true, stageWeight: weight)
                let result = row.loss.evaluate(anchors: a, positives: p, negatives: n, options: options)
                let actual = [result.easy, result.weak!, result.hard!]
                for (index, name) in ["easy", "weak", "hard"].enumerated() {
                    let (expectedLoss, expectedAccuracy) = row.terms[index]
                    let context = "\(row.name) \(row.loss) \(name) w=\(weight)"
                    XCTAssertEqual(actual[index].loss, weight * expectedLoss,
                                   accuracy: 1e-9 * abs(weight * expectedLoss), context)
                    XCTAssertEqual(actual[index].accuracy, expectedAccuracy, context)
                }
                XCTAssertEqual(result.loss, actual.reduce(0) { $0 + $1.loss })
            }
            // Terms switched off are absent and do not change the others.
            let easyOnly = row.loss.evaluate(anchors: a, positives: p, negatives: n, options: TripletLossOptions())
            XCTAssertNil(easyOnly.weak)
            XCTAssertNil(easyOnly.hard)
            XCTAssertEqual(easyOnly.easy.loss, row.terms[0].0, accuracy: 1e-9 * row.terms[0].0, row.name)
        }
    }
}

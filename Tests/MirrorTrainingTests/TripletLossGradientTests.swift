import MirrorCore
@testable import MirrorTraining
import TestSupport
import XCTest

/// The hand-derived gradients of `SoftminLoss` and `HingeLoss` against central finite
/// differences of `ReferenceTripletLoss`, a Double transcription of the SPEC.
///
/// Tolerance: |g − fd| ≤ 1e-5 · max(1, ‖fd‖∞) for every entry of each of the three gradients.
/// Why that bound: the features are float32 values, exact in Double, so both sides see the same
/// inputs; the library computes in Double and rounds only its result to float32 (≈ 6e-8
/// relative to ‖g‖∞); the central difference with step h = 1e-5·max(1, |x|) has a truncation
/// error of order h²·|f'''| and a rounding error of order 1e-16·|f|/h, both below 1e-8 here.
/// A wrong factor or a missing term is off by far more than 1e-5. Every case checks first that
/// no argument lies within 1e-3 of a kink (the clip bounds ±10, the hinge corner −0.5, a tie of
/// the hinge's hard maximum), where a finite difference would straddle two branches.
final class TripletLossGradientTests: XCTestCase {
    struct Batch {
        var anchors: Tensor, positives: Tensor, negatives: Tensor
        /// Anchors, positives and negatives as Double rows.
        var rows: [[[Double]]] { [anchors, positives, negatives].map(Self.doubleRows) }

        static func doubleRows(_ tensor: Tensor) -> [[Double]] {
            let columns = tensor.shape[1]
            return (0..<tensor.shape[0]).map { i -> [Double] in
                tensor.data[(i * columns)..<((i + 1) * columns)].map { Double($0) }
            }
        }
    }

    /// Seeded features; row i is scaled by `rowScales[i % count]` so that large rows push
    /// distance differences beyond the clip range.
    static func batch(seed: UInt64, rows: Int, columns: Int, rowScales: [Float], nonnegative: Bool) -> Batch {
        var generator = SeededGenerator(seed: seed)
        func block(_ scales: [Float]) -> Tensor {
            var data = [Float]()
            for i in 0..<rows {
                for _ in 0..<columns {
                    let u = generator.uniform()
                    data.append((nonnegative ? u : 2 * u - 1) * scales[i % scales.count])
                }
            }
            return Tensor(shape: [rows, columns], data: data)
        }
        return Batch(anchors: block(rowScales), positives: block(rowScales.reversed()), negatives: block(rowScales))
    }

    static let optionSets: [TripletLossOptions] = [
        TripletLossOptions(withWeak: false, withHard: false, stageWeight: 1),
        TripletLossOptions(withWeak: true, withHard: false, stageWeight: 0.5),
        TripletLossOptions(withWeak: false, withHard: true, stageWeight: 0.5),
        TripletLossOptions(withWeak: true, withHard: true, stageWeight: 1),
    ]

    /// Compares every gradient entry with central differences; returns the number of softmin
    /// arguments outside the clip range.
    @discardableResult
    func checkGradients(_ kind: TripletLossKind, _ batch: Batch, _ options: TripletLossOptions,
                        file: StaticString = #filePath, line: UInt = #line) -> Int {
        let reference = ReferenceTripletLoss(kind: kind == .softmin ? .softmin : .hinge, withWeak: options.withWeak,
                                             withHard: options.withHard, weight: options.stageWeight)
        var inputs = batch.rows
        var arguments = ReferenceTripletLoss.Arguments()
        _ = reference.loss(inputs[0], inputs[1], inputs[2], arguments: &arguments)
        let kinks: [Double] = kind == .softmin ? [-10, 10] : [-0.5]
        let nearest = arguments.values.map { x in kinks.map { abs(x - $0) }.min()! }.min()!
        XCTAssertGreaterThan(nearest, 1e-3, "test data too close to a kink", file: file, line: line)
        let penalties = arguments.hardPenalties.sorted(by: >)
        if penalties.count >= 2, penalties[0] > 0 {
            XCTAssertGreaterThan(penalties[0] - penalties[1], 1e-3, "tied hard maximum", file: file, line: line)
        }

        let result = kind.evaluate(anchors: batch.anchors, positives: batch.positives, negatives: batch.negatives,
                                   options: options)
        let gradients = [result.anchorGradient, result.positiveGradient, result.negativeGradient]
        for role in 0..<3 {
            var differences = [Double]()
            for i in inputs[role].indices {
                for c in inputs[role][i].indices {
                    let x = inputs[role][i][c]
                    let h = 1e-5 * max(1, abs(x))
                    inputs[role][i][c] = x + h
                    let up = reference.loss(inputs[0], inputs[1], inputs[2])
                    inputs[role][i][c] = x - h
                    let down = reference.loss(inputs[0], inputs[1], inputs[2])
                    inputs[role][i][c] = x
                    differences.append((up - down) / (2 * h))
                }
            }
            let bound = 1e-5 * max(1, differences.map(abs).max()!)
            for (k, fd) in differences.enumerated() {
                let g = Double(gradients[role].data[k])
                XCTAssertLessThanOrEqual(abs(g - fd), bound,
                                         "\(kind) \(options) role \(role) entry \(k): \(g) vs fd \(fd)",
                                         file: file, line: line)
            }
        }
        return arguments.clipped
    }

    func testSoftminB2() {
        let batch = Self.batch(seed: 1, rows: 2, columns: 4, rowScales: [1], nonnegative: false)
        for options in Self.optionSets { checkGradients(.softmin, batch, options) }
    }

    func testSoftminB3WithClippedDifferences() {
        let batch = Self.batch(seed: 2, rows: 3, columns: 6, rowScales: [1, 6, 14], nonnegative: true)
        for options in Self.optionSets {
            XCTAssertGreaterThan(checkGradients(.softmin, batch, options), 0, "no argument beyond ±10: clip untested")
        }
    }

    func testSoftminB8MixedClipping() {
        let batch = Self.batch(seed: 3, rows: 8, columns: 5, rowScales: [0.5, 2, 5, 9], nonnegative: false)
        for options in Self.optionSets {
            XCTAssertGreaterThan(checkGradients(.softmin, batch, options), 0, "no argument beyond ±10: clip untested")
        }
    }

    func testHingeB2() {
        let batch = Self.batch(seed: 4, rows: 2, columns: 4, rowScales: [1], nonnegative: false)
        for options in Self.optionSets { checkGradients(.hinge, batch, options) }
    }

    func testHingeB3() {
        let batch = Self.batch(seed: 5, rows: 3, columns: 6, rowScales: [1, 6, 14], nonnegative: true)
        for options in Self.optionSets { checkGradients(.hinge, batch, options) }
    }

    func testHingeB8() {
        let batch = Self.batch(seed: 6, rows: 8, columns: 5, rowScales: [0.5, 2, 5, 9], nonnegative: false)
        for options in Self.optionSets { checkGradients(.hinge, batch, options) }
    }

    /// Identical anchors, positives and negatives: every distance is sqrt(1e-6), every argument
    /// 0, so each term is softplus(0) = log 2 per comparison (the hard one included) and nothing
    /// is violated; each pair (x_i − y_j) is zero, so the gradient is zero. Large values make
    /// the expanded form cancel: the result must stay finite (the float32 seed could take the
    /// square root of a negative number here).
    func testSoftminOnIdenticalFeaturesIsLog2WithZeroGradient() {
        for magnitude: Float in [1, 3e4] {
            let row: [Float] = [0.25, 1, 0.5, 0.75].map { $0 * magnitude }
            let features = Tensor(shape: [3, 4], data: row + row + row)
            let result = SoftminLoss.evaluate(anchors: features, positives: features, negatives: features,
                                              options: TripletLossOptions(withWeak: true, withHard: true, stageWeight: 0.5))
            for term in result.terms {
                XCTAssertEqual(term.value.loss, 0.5 * 2 * log(2.0) / (term.name == "hard" ? 2 : 1), accuracy: 1e-9,
                               "\(term.name) at magnitude \(magnitude)")
                XCTAssertEqual(term.value.accuracy, 1, "\(term.name)")
            }
            for gradient in [result.anchorGradient, result.positiveGradient, result.negativeGradient] {
                XCTAssertEqual(gradient.data, [Float](repeating: 0, count: 12))
            }
        }
    }

    /// Without weak and hard terms the negatives do not enter the loss.
    func testNegativesUnusedWithoutWeakOrHard() {
        let batch = Self.batch(seed: 7, rows: 4, columns: 3, rowScales: [1, 2], nonnegative: false)
        for kind in TripletLossKind.allCases {
            let result = kind.evaluate(anchors: batch.anchors, positives: batch.positives, negatives: batch.negatives,
                                       options: TripletLossOptions())
            XCTAssertNil(result.weak)
            XCTAssertNil(result.hard)
            XCTAssertEqual(result.negativeGradient.data, [Float](repeating: 0, count: 12), "\(kind)")
            XCTAssertEqual(result.loss, result.easy.loss)
        }
    }

    /// `reduce_max` with a tie: TensorFlow splits the gradient equally among the tied maxima.
    /// Both triplets of a B = 2 batch are the same, so their hard penalties tie; the hard
    /// term's gradient (with-hard minus without) on each anchor must be half the derivative of
    /// that triplet's own penalty, which is smooth there and checked by finite differences.
    func testHingeHardMaximumSplitsTiesEqually() {
        let one = Self.batch(seed: 8, rows: 1, columns: 4, rowScales: [1], nonnegative: true)
        let twice = { (t: Tensor) in Tensor(shape: [2, 4], data: t.data + t.data) }
        let batch = Batch(anchors: twice(one.anchors), positives: twice(one.positives), negatives: twice(one.negatives))
        let withHard = HingeLoss.evaluate(anchors: batch.anchors, positives: batch.positives, negatives: batch.negatives,
                                          options: TripletLossOptions(withHard: true))
        let without = HingeLoss.evaluate(anchors: batch.anchors, positives: batch.positives, negatives: batch.negatives,
                                         options: TripletLossOptions())
        let inputs = one.rows
        func penalty(_ anchor: [Double]) -> Double {
            let normalize = { (x: [Double]) -> [Double] in
                let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return x.map { $0 / norm }
            }
            let a = normalize(anchor), p = normalize(inputs[1][0]), n = normalize(inputs[2][0])
            let squared = { (x: [Double], y: [Double]) in zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            return max(0.5 + squared(a, p) - squared(a, n), 0)
        }
        XCTAssertGreaterThan(penalty(inputs[0][0]), 0.01, "the tied maximum must be active")
        XCTAssertEqual(withHard.hard?.loss ?? 0, penalty(inputs[0][0]), accuracy: 1e-12)
        for c in 0..<4 {
            var up = inputs[0][0], down = inputs[0][0]
            up[c] += 1e-6
            down[c] -= 1e-6
            let derivative = (penalty(up) - penalty(down)) / 2e-6
            XCTAssertGreaterThan(abs(derivative), 1e-3, "entry \(c) must have a visible gradient")
            for row in 0..<2 {
                let hardPart = Double(withHard.anchorGradient.data[row * 4 + c] - without.anchorGradient.data[row * 4 + c])
                XCTAssertEqual(hardPart, derivative / 2, accuracy: 1e-5 * max(1, abs(derivative)), "row \(row) entry \(c)")
            }
        }
    }

    /// A dead feature map (all-zero pooled row) is normalised with TensorFlow's ε instead of its
    /// zero norm; everything stays finite.
    func testZeroFeatureRowStaysFinite() {
        var batch = Self.batch(seed: 9, rows: 3, columns: 4, rowScales: [1], nonnegative: true)
        for c in 0..<4 { batch.anchors.data[c] = 0; batch.negatives.data[8 + c] = 0 }
        for kind in TripletLossKind.allCases {
            let result = kind.evaluate(anchors: batch.anchors, positives: batch.positives, negatives: batch.negatives,
                                       options: TripletLossOptions(withWeak: true, withHard: true))
            XCTAssertTrue(result.terms.allSatisfy { $0.value.loss.isFinite }, "\(kind)")
            XCTAssertTrue(result.stackedGradient.data.allSatisfy(\.isFinite), "\(kind)")
            XCTAssertEqual(result.stackedGradient.shape, [9, 4])
        }
    }
}

/// The boundary rule at the kinks, which finite differences cannot see: TensorFlow's
/// `clip_by_value` gradient passes at exactly ±10 and stops just outside; `tf.maximum(z, 0)`
/// passes at z = 0.
final class PairPenaltyBoundaryTests: XCTestCase {
    func testClipPassesTheGradientAtItsBoundsInclusive() {
        let sigmoid10 = exp(10.0) / (exp(10.0) + 1)
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate(10).slope, sigmoid10)
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate(-10).slope, 1 - sigmoid10, accuracy: 1e-15)
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate((10.0).nextUp).slope, 0)
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate((-10.0).nextDown).slope, 0)
        // Outside, the value is the bound's: softplus(±10).
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate(25).value, log(exp(10.0) + 1))
        XCTAssertEqual(PairPenalty.softplusClipped.evaluate(-25).value, log(exp(-10.0) + 1))
        // The accuracy counts strictly positive arguments.
        XCTAssertFalse(PairPenalty.softplusClipped.isViolated(0))
        XCTAssertTrue(PairPenalty.softplusClipped.isViolated(1e-300))
    }

    func testHingePassesTheGradientAtItsCorner() {
        let hinge = PairPenalty.hinge(margin: 0.5)
        XCTAssertEqual(hinge.evaluate(-0.5).value, 0)
        XCTAssertEqual(hinge.evaluate(-0.5).slope, 1)
        XCTAssertEqual(hinge.evaluate((-0.5).nextDown).slope, 0)
        XCTAssertFalse(hinge.isViolated(-0.5), "a zero entry is not counted (count_nonzero)")
        XCTAssertTrue(hinge.isViolated((-0.5).nextUp))
    }
}

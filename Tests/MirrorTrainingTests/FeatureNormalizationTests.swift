import Engines
import MirrorCore
@testable import MirrorTraining
import TestSupport
import XCTest

/// `FeatureNormalization`'s gradient against central finite differences of a Double transcription
/// of `y = x / ‖x‖` (the test's own), through a fixed random linear read-out `L = Σ w·y`.
final class FeatureNormalizationTests: XCTestCase {
    func testGradientMatchesFiniteDifferencesInDouble() {
        var generator = SeededGenerator(seed: 5)
        let rows = 4, columns = 7
        let x = (0..<(rows * columns)).map { _ in Double.random(in: -3...3, using: &generator) }
        let w = (0..<(rows * columns)).map { _ in Double.random(in: -1...1, using: &generator) }
        func loss(_ v: [Double]) -> Double {
            var total = 0.0
            for r in 0..<rows {
                let norm = v[(r * columns)..<((r + 1) * columns)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                for c in 0..<columns { total += w[r * columns + c] * v[r * columns + c] / norm }
            }
            return total
        }
        let input = Tensor(shape: [rows, columns], data: x.map(Float.init))
        let (y, norms) = FeatureNormalization.forward(input)
        for r in 0..<rows {
            let squared = y.data[(r * columns)..<((r + 1) * columns)].reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(squared, 1, accuracy: 1e-6)
        }
        let analytic = FeatureNormalization.backward(Tensor(shape: [rows, columns], data: w.map(Float.init)), normalized: y, norms: norms)
        let h = 1e-6
        // Float inputs rounded from x: differentiate at the rounded point, as the Float code saw it.
        let base = x.map { Double(Float($0)) }
        var worst = 0.0, scale = 0.0
        for i in base.indices {
            var plus = base, minus = base
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            worst = max(worst, abs(numeric - Double(analytic.data[i])))
            scale = max(scale, abs(numeric))
        }
        XCTAssertLessThan(worst, 1e-5 * scale, "max |analytic − numeric| = \(worst) at scale \(scale)")
    }

    func testStageLossWithNormalizationIgnoresFeatureScale() {
        // Scaling every pooled feature row leaves normalised features (and so the loss) unchanged;
        // without normalisation the loss changes.
        var generator = SeededGenerator(seed: 8)
        let shape = [6, 2, 2, 5]
        let map = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: 0...4, using: &generator) })
        let scaled = Tensor(shape: shape, data: map.data.map { $0 * 3 })
        let backend = makeBackend(kind: .naive, threads: 1)
        let options = TripletLossOptions(withWeak: true, withHard: true, stageWeight: 1)
        let a = StageLoss.evaluate(map: map, loss: .softmin, options: options, normalize: true, backend: backend).result.loss
        let b = StageLoss.evaluate(map: scaled, loss: .softmin, options: options, normalize: true, backend: backend).result.loss
        XCTAssertEqual(a, b, accuracy: 1e-6 * abs(a))
        let c = StageLoss.evaluate(map: map, loss: .softmin, options: options, backend: backend).result.loss
        let d = StageLoss.evaluate(map: scaled, loss: .softmin, options: options, backend: backend).result.loss
        XCTAssertGreaterThan(abs(c - d), 1e-3)
    }
}

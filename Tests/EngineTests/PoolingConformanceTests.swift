import Engines
import MirrorCore
import NaiveBackend
import XCTest

/// Pooling on every engine against the naive reference and against SPEC §2's semantics.
///
/// Bounds: max-pool is exact (a comparison selects an input value; the engines visit window
/// cells in the same order with the same `>` test, so even NaN handling is bit-identical).
/// Average pools sum in Float in the engines vs Double in the reference: relative error ≤ 1e-6
/// (at most 49 terms).
final class PoolingConformanceTests: XCTestCase {
    static let averageBound: Float = 1e-6

    struct Case {
        var input: [Int]
        var window: Int
        var stride: Int
        var padding: Padding
    }

    static let cases = [
        Case(input: [1, 9, 7, 19], window: 3, stride: 2, padding: .same),    // ResNet pool1 on odd sizes
        Case(input: [2, 8, 8, 16], window: 3, stride: 2, padding: .same),    // pads (0,1)
        Case(input: [1, 7, 9, 37], window: 3, stride: 1, padding: .same),    // Inception pool branch
        Case(input: [1, 7, 7, 64], window: 7, stride: 1, padding: .valid),   // pool5
        Case(input: [1, 9, 6, 5], window: 2, stride: 2, padding: .valid),
        Case(input: [1, 5, 6, 20], window: 3, stride: 2, padding: .explicit(top: 1, bottom: 0, left: 0, right: 2)),
    ]

    func testMaxPoolMatchesNaiveExactly() {
        let engines = allEngines()
        for (index, c) in Self.cases.enumerated() {
            let input = randomTensor(c.input, seed: UInt64(index))
            let reference = NaiveKernels.maxPool(input, window: c.window, stride: c.stride, padding: c.padding)
            for engine in engines {
                assertMatches(engine.maxPool(input, window: c.window, stride: c.stride, padding: c.padding), reference,
                              bound: 0, "\(engine.kind) max \(c)")
            }
        }
    }

    func testAveragePoolMatchesNaive() {
        let engines = allEngines()
        for (index, c) in Self.cases.enumerated() {
            let input = randomTensor(c.input, seed: UInt64(index + 50))
            let reference = NaiveKernels.avgPool(input, window: c.window, stride: c.stride, padding: c.padding)
            for engine in engines {
                assertMatches(engine.avgPool(input, window: c.window, stride: c.stride, padding: c.padding), reference,
                              bound: Self.averageBound, "\(engine.kind) avg \(c)")
            }
        }
    }

    /// Padded cells never win: an all-negative input gives negative maxima everywhere, including
    /// the padded border (a zero-padding implementation would output 0 there).
    func testMaxPoolPaddingIsMinusInfinity() {
        let input = randomTensor([1, 9, 7, 3], seed: 7, in: -5 ... -1)
        for engine in allEngines() {
            let output = engine.maxPool(input, window: 3, stride: 2, padding: .same)
            XCTAssertEqual(output.shape, [1, 5, 4, 3], "\(engine.kind)")
            XCTAssertTrue(output.data.allSatisfy { $0 < 0 }, "\(engine.kind): a padded zero won")
            // 9×7 with 3×3/s2 SAME pads (1,1): the bottom-right window's in-bounds cells are rows
            // 7–8 × columns 5–6.
            let corner = max(input[0, 8, 6, 0], max(input[0, 8, 5, 0], max(input[0, 7, 6, 0], input[0, 7, 5, 0])))
            XCTAssertEqual(output[0, 4, 3, 0], corner, "\(engine.kind)")
        }
    }

    /// SPEC §2: max-pool 3×3/s2 SAME on 448 → 224 with pads (0,1), applied at a small width.
    func testMaxPoolSpecExampleShape() {
        let input = randomTensor([1, 448, 3, 2], seed: 8)
        for engine in allEngines() {
            XCTAssertEqual(engine.maxPool(input, window: 3, stride: 2, padding: .same).shape, [1, 224, 2, 2])
        }
    }

    /// SAME average pooling divides by the number of valid cells: a constant input stays
    /// constant everywhere (dividing by 9 would give 4/9 and 6/9 at corners and edges).
    func testAveragePoolCountsOnlyValidCells() {
        let input = Tensor(shape: [1, 5, 4, 3], repeating: 2.5)
        for engine in allEngines() {
            let output = engine.avgPool(input, window: 3, stride: 1, padding: .same)
            XCTAssertEqual(output.data, [Float](repeating: 2.5, count: 60), "\(engine.kind)")
        }
        // A corner by hand: mean of the 2×2 in-bounds cells.
        let ramp = Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        for engine in allEngines() {
            XCTAssertEqual(engine.avgPool(ramp, window: 3, stride: 1, padding: .same)[0, 0, 0, 0], 3, "\(engine.kind)")
        }
    }

    func testGlobalAveragePool() {
        let input = randomTensor([2, 7, 5, 33], seed: 9)
        var expected = [Float](repeating: 0, count: 66)
        for n in 0..<2 {
            for c in 0..<33 {
                var sum = 0.0
                for y in 0..<7 { for x in 0..<5 { sum += Double(input[n, y, x, c]) } }
                expected[n * 33 + c] = Float(sum / 35)
            }
        }
        for engine in allEngines() {
            let output = engine.globalAveragePool(input)
            XCTAssertEqual(output.shape, [2, 33])
            XCTAssertLessThanOrEqual(relativeError(output.data, expected), Self.averageBound, "\(engine.kind)")
        }
    }
}

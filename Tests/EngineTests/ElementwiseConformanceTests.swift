import Engines
import MirrorCore
import NaiveBackend
import XCTest

/// Elementwise ops, concat, batch norm and LRN on every engine.
///
/// Bounds: add, activations and concat are exact (one IEEE operation or a copy per element), so
/// the engines must be bit-identical to the reference, special values included. BN uses the
/// reference on every engine (exact). LRN: relative error ≤ 1e-6 (the reference works in Double;
/// a Float evaluation of `(bias + alpha·Σx²)^−β` is within a few ulp).
final class ElementwiseConformanceTests: XCTestCase {
    static let specials: [Float] = [0, -0.0, 1, -1, 5.5, 6, 6.5, -7, .infinity, -.infinity, .nan,
                                    .greatestFiniteMagnitude, -.leastNonzeroMagnitude]

    func testActivationsOnSpecialValuesFirst() {
        let input = Tensor(shape: [1, 1, 1, Self.specials.count], data: Self.specials)
        for engine in allEngines() {
            for activation in Activation.allCases {
                let expected = Tensor(shape: input.shape, data: Self.specials.map(activation.apply))
                assertMatches(engine.activate(input, activation), expected, bound: 0, "\(engine.kind) \(activation)")
            }
            XCTAssertEqual(engine.relu(input).data[1].sign, .minus, "\(engine.kind): relu keeps −0")
            XCTAssertTrue(engine.relu6(input).data[10].isNaN, "\(engine.kind): relu6 passes NaN")
        }
    }

    func testActivationsAndAddOnLargeTensors() {
        // Large enough to be split over threads and to have a scalar tail (count % 16 ≠ 0).
        let a = randomTensor([1, 33, 41, 37], seed: 1, in: -8...8), b = randomTensor([1, 33, 41, 37], seed: 2, in: -8...8)
        for engine in allEngines() {
            for activation in Activation.allCases {
                assertMatches(engine.activate(a, activation), NaiveKernels.activate(a, activation), bound: 0,
                              "\(engine.kind) \(activation)")
                assertMatches(engine.add(a, b, activation: activation), NaiveKernels.add(a, b, activation: activation),
                              bound: 0, "\(engine.kind) add \(activation)")
            }
        }
    }

    func testAddSpecialValues() {
        let a = Tensor(shape: [13], data: Self.specials), b = Tensor(shape: [13], data: Self.specials.reversed())
        let expected = Tensor(shape: [13], data: zip(a.data, b.data).map { Activation.relu.apply($0 + $1) })
        for engine in allEngines() {
            assertMatches(engine.add(a, b, activation: .relu), expected, bound: 0, "\(engine.kind)")
        }
    }

    func testConcatChannels() {
        let parts = [randomTensor([2, 3, 5, 7], seed: 1), randomTensor([2, 3, 5, 16], seed: 2),
                     Tensor(shape: [2, 3, 5, 0]), randomTensor([2, 3, 5, 1], seed: 3)]
        for engine in allEngines() {
            let output = engine.concatChannels(parts)
            XCTAssertEqual(output.shape, [2, 3, 5, 24], "\(engine.kind)")
            XCTAssertEqual(output[1, 2, 4, 6], parts[0][1, 2, 4, 6])
            XCTAssertEqual(output[1, 2, 4, 7], parts[1][1, 2, 4, 0])
            XCTAssertEqual(output[0, 1, 3, 23], parts[3][0, 1, 3, 0])
            assertMatches(output, NaiveKernels.concatChannels(parts), bound: 0, "\(engine.kind)")
        }
    }

    func testBatchNormFollowsTFOrder() {
        let channels = 5
        let bn = BatchNormParameters(gamma: randomVector(channels, seed: 1, in: 0.5...2),
                                     beta: randomVector(channels, seed: 2), mean: randomVector(channels, seed: 3),
                                     variance: randomVector(channels, seed: 4, in: 0.1...3), epsilon: 1.001e-5)
        let input = randomTensor([1, 3, 4, channels], seed: 5)
        let s = bn.scaleFactors().map { Float($0) }
        let expected = input.data.enumerated().map { i, x -> Float in
            let c = i % channels
            return Activation.relu6.apply((x - bn.mean[c]) * s[c] + bn.beta![c])
        }
        for engine in allEngines() {
            assertMatches(engine.batchNorm(input, bn, activation: .relu6), Tensor(shape: input.shape, data: expected),
                          bound: 0, "\(engine.kind)")
        }
        // center=False, scale=False: γ ≡ 1, β ≡ 0.
        let plain = BatchNormParameters(gamma: nil, beta: nil, mean: [1], variance: [3], epsilon: 1)
        XCTAssertEqual(NaiveKernels.batchNorm(Tensor(shape: [1, 1], data: [5]), plain, activation: .none).data, [2])
    }

    /// LRN against the formula written out here, with the seed's GoogLeNet parameters (r = 2,
    /// alpha = Float(2e-5), not divided by the window; beta = 0.75; bias = 1) and others.
    func testLRNAgainstDirectFormula() {
        let settings: [(radius: Int, bias: Float, alpha: Float, beta: Float)] = [
            (2, 1, 1.99999994948e-05, 0.75), (1, 2, 0.01, 0.5), (3, 0.5, 0.1, 1), (0, 1, 1, 0.75), (2, 1, 1e-3, 0.6),
        ]
        for (index, p) in settings.enumerated() {
            // Values up to 60 so that alpha·Σx² is comparable to bias and the normalisation matters.
            for shape in [[1, 3, 5, 19], [2, 2, 3, 3]] {
                let input = randomTensor(shape, seed: UInt64(index), in: -60...60)
                let channels = shape[3]
                var expected = input
                for row in 0..<input.count / channels {
                    for c in 0..<channels {
                        var squares = 0.0
                        for other in max(0, c - p.radius)...min(channels - 1, c + p.radius) {
                            let v = Double(input.data[row * channels + other])
                            squares += v * v
                        }
                        let x = Double(input.data[row * channels + c])
                        expected.data[row * channels + c] = Float(x / pow(Double(p.bias) + Double(p.alpha) * squares, Double(p.beta)))
                    }
                }
                for engine in allEngines() {
                    assertMatches(engine.lrn(input, depthRadius: p.radius, bias: p.bias, alpha: p.alpha, beta: p.beta),
                                  expected, bound: 1e-6, "\(engine.kind) \(p) \(shape)")
                }
            }
        }
    }
}

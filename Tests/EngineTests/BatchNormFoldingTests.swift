import Engines
import MirrorCore
import NaiveBackend
import XCTest

/// Folding an inference BN into the preceding convolution equals running conv then BN.
///
/// Bound: relative error ≤ 1e-5 of the output scale. The folded kernel `w·s` is rounded once
/// per weight, so the folded and unfolded pipelines differ by rounding only (a few
/// `K·2⁻²⁴`-relative at most), the contract documented on `foldingBatchNorm`.
final class BatchNormFoldingTests: XCTestCase {
    private func bn(_ channels: Int, seed: UInt64, gamma: Bool = true, beta: Bool = true) -> BatchNormParameters {
        BatchNormParameters(gamma: gamma ? randomVector(channels, seed: seed, in: 0.2...3) : nil,
                            beta: beta ? randomVector(channels, seed: seed + 1) : nil,
                            mean: randomVector(channels, seed: seed + 2),
                            variance: randomVector(channels, seed: seed + 3, in: 0.001...4), epsilon: 1e-3)
    }

    func testFoldedEqualsConvThenBatchNorm() {
        let input = randomTensor([1, 9, 7, 13], seed: 1)
        let variants: [(bias: Bool, gamma: Bool, beta: Bool, activation: Activation)] = [
            (false, true, true, .relu), (true, true, true, .none), (false, false, false, .relu6), (true, false, true, .none),
        ]
        for (index, v) in variants.enumerated() {
            let seed = UInt64(10 * index)
            let conv = ConvolutionLayer(kernel: randomTensor([3, 3, 13, 21], seed: seed),
                                        bias: v.bias ? randomVector(21, seed: seed + 7) : nil, stride: 2)
            let norm = bn(21, seed: seed + 3, gamma: v.gamma, beta: v.beta)
            let unfolded = NaiveKernels.batchNorm(NaiveKernels.conv2d(input, conv), norm, activation: v.activation)
            let folded = conv.foldingBatchNorm(norm, activation: v.activation)
            XCTAssertNotNil(folded.bias)
            XCTAssertEqual(folded.activation, v.activation)
            for engine in allEngines() {
                assertMatches(engine.conv2d(input, folded), unfolded, bound: 1e-5, "\(engine.kind) \(v)")
            }
        }
    }

    func testFoldedDepthwise() {
        let input = randomTensor([1, 8, 8, 32], seed: 2)
        let conv = ConvolutionLayer(kernel: randomTensor([5, 5, 1, 32], seed: 3), stride: 2, groups: 32)
        let norm = bn(32, seed: 4)
        let unfolded = NaiveKernels.batchNorm(NaiveKernels.conv2d(input, conv), norm, activation: .relu6)
        for engine in allEngines() {
            assertMatches(engine.conv2d(input, conv.foldingBatchNorm(norm, activation: .relu6)), unfolded, bound: 1e-5,
                          "\(engine.kind)")
        }
    }

    /// The fold by hand: s = γ/√(σ²+ε); w' = w·s; b' = (b − μ)·s + β.
    func testFoldArithmetic() {
        let conv = ConvolutionLayer(kernel: Tensor(shape: [1, 1, 1, 2], data: [2, 3]), bias: [1, -1])
        let norm = BatchNormParameters(gamma: [2, 1], beta: [0.5, 0], mean: [3, 1], variance: [3, 0], epsilon: 1)
        let folded = conv.foldingBatchNorm(norm)
        XCTAssertEqual(folded.kernel.data, [2, 3])                 // s = (1, 1)
        XCTAssertEqual(folded.bias, [-1.5, -2])                    // (1−3)·1+0.5, (−1−1)·1+0
        XCTAssertEqual(BatchNormParameters.tensorFlow1Epsilon(1e-5), 1.001e-5)
        XCTAssertEqual(BatchNormParameters.tensorFlow1Epsilon(1e-3), 1e-3)
    }
}

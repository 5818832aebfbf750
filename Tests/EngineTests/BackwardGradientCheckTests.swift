import MirrorCore
import NaiveBackend
import TestSupport
import XCTest

/// Every reference backward kernel (`NaiveKernels`) against central finite differences of an
/// independent Double-precision forward (`DoubleReference`).
///
/// Loss `L = Σ r·y` with random `r`, so `∂L/∂y = r` is what each backward op receives. Each
/// input, weight and bias element is perturbed by `h = 1e-3` in Double.
///
/// Tolerance rule, per element: `|analytic − numeric| ≤ 1e-3·max(1, ‖numeric‖∞)`. The analytic
/// gradient is a Float kernel (Double sums rounded once: relative error ~1e-7); the numeric one
/// has truncation error `h²·|f'''|/6` (0 for the piecewise-linear ops, ~1e-6 for LRN) and
/// rounding error ~`1e-16·|L|/h`, far below the bound, while a wrong index, tap or divisor
/// gives an error of the order of the gradient itself. Max-pools and ReLU inputs are distinct
/// values ≥ 0.05 apart and ≥ 0.025 from the kinks (0, 6), so no ±h perturbation changes which
/// cell wins or which side of a kink a value is on.
final class BackwardGradientCheckTests: XCTestCase {
    static let h = 1e-3
    static let tolerance = 1e-3

    // MARK: Convolution

    struct ConvCase: CustomStringConvertible {
        var input: [Int]
        var kernel: (Int, Int)
        var outputChannels: Int
        var stride = 1
        var padding = Padding.same
        var groups = 1
        var activation = Activation.none

        var description: String {
            "in \(input) k \(kernel.0)x\(kernel.1) cout \(outputChannels) s\(stride) \(padding) g\(groups) \(activation)"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: [2, 5, 6, 3], kernel: (3, 3), outputChannels: 4),
        ConvCase(input: [1, 7, 6, 4], kernel: (3, 3), outputChannels: 5, stride: 2),             // SAME pads (1,1)/(0,1)
        ConvCase(input: [1, 6, 7, 3], kernel: (4, 4), outputChannels: 3),                        // SAME pads (1,2)
        ConvCase(input: [1, 6, 5, 6], kernel: (3, 3), outputChannels: 4, padding: .explicit(top: 1, bottom: 0, left: 0, right: 2),
                 groups: 2),
        ConvCase(input: [2, 6, 6, 5], kernel: (3, 3), outputChannels: 5, stride: 2, groups: 5),  // depthwise
        ConvCase(input: [1, 5, 5, 3], kernel: (1, 1), outputChannels: 4, stride: 2, padding: .valid),
        ConvCase(input: [1, 7, 8, 2], kernel: (5, 5), outputChannels: 3, stride: 2, padding: .valid),
        // The layer's activation must be ignored: gradOutput is pre-activation.
        ConvCase(input: [1, 9, 9, 3], kernel: (7, 7), outputChannels: 2, stride: 2, padding: .explicit(3), activation: .relu6),
    ]

    func testConvolutionGradientsMatchFiniteDifferences() {
        for (index, c) in Self.convCases.enumerated() {
            let seed = UInt64(100 + 10 * index)
            let cin = c.input[3]
            let layer = ConvolutionLayer(kernel: randomTensor([c.kernel.0, c.kernel.1, cin / c.groups, c.outputChannels], seed: seed),
                                         bias: randomVector(c.outputChannels, seed: seed + 1), stride: c.stride,
                                         padding: c.padding, groups: c.groups, activation: c.activation)
            let input = randomTensor(c.input, seed: seed + 2)
            let outputShape = layer.geometry(inputShape: c.input).outputShape
            let r = randomTensor(outputShape, seed: seed + 3)
            let (x, w, b, rd) = (doubles(input), doubles(layer.kernel), layer.bias!.map(Double.init), doubles(r))

            let numericInput = DoubleReference.centralDifferences(at: x, h: Self.h) {
                DoubleReference.loss(rd, DoubleReference.conv2d($0, shape: c.input, layer, kernel: w, bias: b))
            }
            let numericKernel = DoubleReference.centralDifferences(at: w, h: Self.h) {
                DoubleReference.loss(rd, DoubleReference.conv2d(x, shape: c.input, layer, kernel: $0, bias: b))
            }
            let numericBias = DoubleReference.centralDifferences(at: b, h: Self.h) {
                DoubleReference.loss(rd, DoubleReference.conv2d(x, shape: c.input, layer, kernel: w, bias: $0))
            }
            let inputGradient = NaiveKernels.conv2dBackwardInput(r, layer, inputShape: c.input)
            XCTAssertEqual(inputGradient.shape, c.input, "\(c)")
            assertGradient(inputGradient.data, numericInput, "∂x \(c)")
            let parameters = NaiveKernels.conv2dBackwardFilter(input, r, layer)
            XCTAssertEqual(parameters.kernel.shape, layer.kernel.shape, "\(c)")
            assertGradient(parameters.kernel.data, numericKernel, "∂w \(c)")
            assertGradient(parameters.bias, numericBias, "∂b \(c)")
        }
    }

    /// A layer without a bias still gets the bias gradient `Σ gradOutput` per channel.
    func testBiasGradientIsComputedWithoutBias() {
        let layer = ConvolutionLayer(kernel: randomTensor([3, 3, 2, 3], seed: 1), bias: nil, stride: 2)
        let input = randomTensor([2, 5, 4, 2], seed: 2)
        let r = randomTensor(layer.geometry(inputShape: input.shape).outputShape, seed: 3)
        var expected = [Double](repeating: 0, count: 3)
        for (i, v) in r.data.enumerated() { expected[i % 3] += Double(v) }
        assertGradient(NaiveKernels.conv2dBackwardFilter(input, r, layer).bias, expected, "bias-free layer")
    }

    // MARK: Pooling

    struct PoolCase: CustomStringConvertible {
        var input: [Int]
        var window: Int
        var stride: Int
        var padding: Padding
        var description: String { "in \(input) \(window)x\(window)/\(stride) \(padding)" }
    }

    static let poolCases = [
        PoolCase(input: [2, 7, 6, 3], window: 3, stride: 2, padding: .same),
        PoolCase(input: [1, 6, 5, 2], window: 2, stride: 2, padding: .valid),
        PoolCase(input: [1, 5, 6, 2], window: 3, stride: 1, padding: .explicit(top: 1, bottom: 0, left: 0, right: 2)),
        PoolCase(input: [1, 5, 5, 2], window: 4, stride: 1, padding: .same),
    ]

    func testMaxPoolGradientMatchesFiniteDifferences() {
        for (index, c) in Self.poolCases.enumerated() {
            let input = distinctTensor(c.input, seed: UInt64(200 + index))
            let output = NaiveKernels.maxPool(input, window: c.window, stride: c.stride, padding: c.padding)
            let r = randomTensor(output.shape, seed: UInt64(210 + index))
            let numeric = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
                DoubleReference.loss(doubles(r), DoubleReference.pool($0, shape: c.input, window: c.window, stride: c.stride,
                                                                      padding: c.padding, average: false))
            }
            let analytic = NaiveKernels.maxPoolBackward(r, input: input, window: c.window, stride: c.stride, padding: c.padding)
            assertGradient(analytic.data, numeric, "max \(c)")
        }
    }

    func testAveragePoolGradientMatchesFiniteDifferences() {
        for (index, c) in Self.poolCases.enumerated() {
            let input = randomTensor(c.input, seed: UInt64(220 + index))
            let output = NaiveKernels.avgPool(input, window: c.window, stride: c.stride, padding: c.padding)
            let r = randomTensor(output.shape, seed: UInt64(230 + index))
            let numeric = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
                DoubleReference.loss(doubles(r), DoubleReference.pool($0, shape: c.input, window: c.window, stride: c.stride,
                                                                      padding: c.padding, average: true))
            }
            let analytic = NaiveKernels.avgPoolBackward(r, inputShape: c.input, window: c.window, stride: c.stride,
                                                        padding: c.padding)
            assertGradient(analytic.data, numeric, "avg \(c)")
        }
    }

    func testGlobalAndRegionalMaxPoolGradientsMatchFiniteDifferences() {
        let shape = [2, 6, 7, 3]
        let input = distinctTensor(shape, seed: 240)
        // Overlapping rectangles of several sizes, one of them the whole map, one a single cell.
        let regions = [PoolingRegion(top: 0, left: 0, height: 6, width: 7), PoolingRegion(top: 0, left: 0, height: 4, width: 4),
                       PoolingRegion(top: 2, left: 3, height: 4, width: 4), PoolingRegion(top: 1, left: 2, height: 3, width: 2),
                       PoolingRegion(top: 5, left: 6, height: 1, width: 1)]
        let r = randomTensor([2, regions.count, 3], seed: 241)
        XCTAssertEqual(NaiveKernels.regionalMaxPool(input, regions: regions).data,
                       DoubleReference.regionalMax(doubles(input), shape: shape, regions: regions).map { Float($0) })
        let numeric = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
            DoubleReference.loss(doubles(r), DoubleReference.regionalMax($0, shape: shape, regions: regions))
        }
        assertGradient(NaiveKernels.regionalMaxPoolBackward(r, input: input, regions: regions).data, numeric, "regional")

        let whole = [PoolingRegion.whole(height: 6, width: 7)]
        let rGlobal = randomTensor([2, 3], seed: 242)
        XCTAssertEqual(NaiveKernels.globalMaxPool(input).shape, [2, 3])
        XCTAssertEqual(NaiveKernels.globalMaxPool(input).data,
                       DoubleReference.regionalMax(doubles(input), shape: shape, regions: whole).map { Float($0) })
        let numericGlobal = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
            DoubleReference.loss(doubles(rGlobal), DoubleReference.regionalMax($0, shape: shape, regions: whole))
        }
        assertGradient(NaiveKernels.globalMaxPoolBackward(rGlobal, input: input).data, numericGlobal, "global")
    }

    // MARK: Elementwise and channel ops

    func testActivationGradientsMatchFiniteDifferences() {
        // −2.95 … 8.95 in steps of 0.1: both sides of 0 and of 6, never within 0.05 of either.
        var generator = SeededGenerator(seed: 250)
        let values = (0..<120).map { Float(-3 + (Double($0) + 0.5) * 0.1) }.shuffled(using: &generator)
        let input = Tensor(shape: [2, 3, 4, 5], data: values)
        let r = randomTensor(input.shape, seed: 251)
        for activation in Activation.allCases {
            let output = NaiveKernels.activate(input, activation)
            let numeric = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
                DoubleReference.loss(doubles(r), DoubleReference.activate($0, activation))
            }
            assertGradient(NaiveKernels.activationBackward(r, output: output, activation).data, numeric, "\(activation)")
        }
    }

    /// At the kinks themselves the rule is PyTorch's: relu passes only where `y > 0`, relu6 only
    /// where `0 < y < 6` (so the clipped boundary values 0 and 6 pass nothing).
    func testActivationGradientAtKinks() {
        let output = Tensor(shape: [6], data: [0, -0.0, 3, 6, 7, .nan])
        let gradient = Tensor(shape: [6], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(NaiveKernels.activationBackward(gradient, output: output, .relu).data, [0, 0, 3, 4, 5, 0])
        XCTAssertEqual(NaiveKernels.activationBackward(gradient, output: output, .relu6).data, [0, 0, 3, 0, 0, 0])
        let none = NaiveKernels.activationBackward(gradient, output: output, .none).data
        XCTAssertEqual(none, gradient.data)
    }

    func testLRNGradientMatchesFiniteDifferences() {
        // GoogLeNet's parameters (r 2, bias 2, α 2e-5, β 0.75) barely normalise; the others make
        // the cross-channel term dominate, with inputs large enough for α·Σx² to matter.
        let settings: [(radius: Int, bias: Float, alpha: Float, beta: Float)] = [
            (2, 2, 2e-5, 0.75), (2, 1, 0.5, 0.75), (1, 0.5, 1, 0.5), (5, 1, 0.1, 1), (0, 1, 0.3, 1.3),
        ]
        let input = randomTensor([2, 2, 3, 7], seed: 260, in: -2...2)
        for (index, s) in settings.enumerated() {
            let r = randomTensor(input.shape, seed: UInt64(261 + index))
            let numeric = DoubleReference.centralDifferences(at: doubles(input), h: Self.h) {
                DoubleReference.loss(doubles(r), DoubleReference.lrn($0, channels: 7, depthRadius: s.radius, bias: Double(s.bias),
                                                                     alpha: Double(s.alpha), beta: Double(s.beta)))
            }
            let analytic = NaiveKernels.lrnBackward(r, input: input, depthRadius: s.radius, bias: s.bias, alpha: s.alpha,
                                                    beta: s.beta)
            assertGradient(analytic.data, numeric, "LRN \(s)")
        }
    }

    /// Split is concat's backward: the gradient of `Σ r·concat(parts)` w.r.t. each part is the
    /// matching slice of `r`, and splitting then concatenating gives the tensor back.
    func testSplitChannelsIsConcatBackward() {
        let parts = [randomTensor([2, 3, 2], seed: 1), Tensor(shape: [2, 3, 0]), randomTensor([2, 3, 4], seed: 2),
                     randomTensor([2, 3, 3], seed: 3)]
        let r = randomTensor([2, 3, 9], seed: 4)
        let pieces = NaiveKernels.splitChannels(r, widths: parts.map { $0.shape[2] })
        XCTAssertEqual(pieces.map(\.shape), parts.map(\.shape))
        for (k, part) in parts.enumerated() where part.count > 0 {
            let others = parts.enumerated().map { $0.offset == k ? nil : doubles($0.element) }
            let numeric = DoubleReference.centralDifferences(at: doubles(part), h: Self.h) { values in
                let all = others.enumerated().map { $0.element ?? (k == $0.offset ? values : []) }
                let joined = NaiveKernels.concatChannels(zip(all, parts).map {
                    Tensor(shape: $0.1.shape, data: $0.0.map { Float($0) })
                })
                return DoubleReference.loss(doubles(r), doubles(joined))
            }
            assertGradient(pieces[k].data, numeric, "split part \(k)")
        }
        XCTAssertEqual(NaiveKernels.concatChannels(pieces), r)
    }

    // MARK: Helpers

    /// The per-element rule of this suite (see the type's comment).
    func assertGradient(_ analytic: [Float], _ numeric: [Double], _ context: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, numeric.count, "count: \(context)", file: file, line: line)
        let scale = max(1, numeric.map(abs).max() ?? 0)
        var worst = 0.0, worstIndex = -1
        for (i, (a, n)) in zip(analytic, numeric).enumerated() where !(abs(Double(a) - n) <= worst) {
            worst = abs(Double(a) - n)
            worstIndex = i
        }
        XCTAssertLessThanOrEqual(worst, Self.tolerance * scale,
                                 "element \(worstIndex): analytic \(worstIndex >= 0 ? analytic[worstIndex] : 0) vs numeric "
                                 + "\(worstIndex >= 0 ? numeric[worstIndex] : 0): \(context)", file: file, line: line)
    }

    func doubles(_ t: Tensor) -> [Double] { t.data.map(Double.init) }

    /// Distinct values 0.05 apart, shuffled: no ±h perturbation changes a max-pool's winner.
    func distinctTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, data: (0..<count).map { Float(Double($0 - count / 2) * 0.05) }.shuffled(using: &generator))
    }
}

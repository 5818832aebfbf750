import Engines
import MirrorCore
import NaiveBackend
import SIMDBackend
import XCTest

/// Every engine's `conv2d` against the naive direct convolution.
///
/// Error bound: relative error `max|y − y_ref| / max|y_ref| ≤ 1e-5`. The engines sum Float
/// products in a different order (GEMM blocking, FMA) from the reference's Double sum; for
/// these patch lengths (K ≤ ~600, inputs in [−1, 1]) the rounding error is a few `√K·2⁻²⁴` of
/// the output scale (~1e-6), while an indexing or padding mistake gives O(1). A max-relative
/// measure (not per-element) because outputs near zero have meaningless per-element ratios.
final class ConvolutionConformanceTests: XCTestCase {
    static let bound: Float = 1e-5

    struct Case: CustomStringConvertible {
        var input: [Int]                 // NHWC
        var kernel: (Int, Int)
        var outputChannels: Int
        var stride = 1
        var padding = Padding.same
        var groups = 1
        var bias = true
        var activation = Activation.none

        var description: String {
            "in \(input) k \(kernel.0)x\(kernel.1) cout \(outputChannels) s\(stride) \(padding) g\(groups) "
                + "bias \(bias) \(activation)"
        }

        func layer(seed: UInt64) -> ConvolutionLayer {
            let cin = input[3]
            return ConvolutionLayer(kernel: randomTensor([kernel.0, kernel.1, cin / groups, outputChannels], seed: seed),
                                    bias: bias ? randomVector(outputChannels, seed: seed + 1) : nil, stride: stride,
                                    padding: padding, groups: groups, activation: activation)
        }
    }

    static let cases: [Case] = [
        // 1×1: in place (stride 1), subsampling (stride 2), and with explicit padding (im2col).
        Case(input: [1, 7, 9, 19], kernel: (1, 1), outputChannels: 37, activation: .relu),
        Case(input: [1, 7, 7, 20], kernel: (1, 1), outputChannels: 33, stride: 2, bias: false),
        Case(input: [1, 7, 7, 20], kernel: (1, 1), outputChannels: 16, stride: 2, padding: .valid, activation: .relu6),
        Case(input: [1, 5, 6, 3], kernel: (1, 1), outputChannels: 5, padding: .explicit(1)),
        // 3×3 stride 1/2, SAME/VALID, odd sizes, channel counts off multiples of 16 and 32.
        Case(input: [1, 13, 5, 17], kernel: (3, 3), outputChannels: 40, activation: .relu6),
        Case(input: [1, 9, 7, 8], kernel: (3, 3), outputChannels: 70, stride: 2, bias: false),
        Case(input: [1, 9, 7, 33], kernel: (3, 3), outputChannels: 31, padding: .valid, activation: .relu),
        Case(input: [2, 6, 5, 11], kernel: (3, 3), outputChannels: 24, stride: 2, activation: .relu),
        Case(input: [1, 9, 7, 5], kernel: (3, 3), outputChannels: 7, stride: 2,
             padding: .explicit(top: 0, bottom: 2, left: 1, right: 0)),
        // 4×4 (SAME pads (1,2)), 5×5 (pads (2,2); stride 2 on 8 pads (1,2)), 7×7 seed conv1.
        Case(input: [1, 10, 9, 6], kernel: (4, 4), outputChannels: 9),
        Case(input: [1, 7, 9, 5], kernel: (5, 5), outputChannels: 16, activation: .relu),
        Case(input: [1, 8, 6, 12], kernel: (5, 5), outputChannels: 20, stride: 2, bias: false, activation: .relu6),
        Case(input: [1, 15, 11, 3], kernel: (7, 7), outputChannels: 64, stride: 2, padding: .explicit(3), activation: .relu),
        Case(input: [1, 15, 29, 3], kernel: (7, 7), outputChannels: 64, stride: 2, padding: .explicit(3), activation: .relu),
        Case(input: [1, 4, 6, 2], kernel: (3, 5), outputChannels: 3, padding: .valid),
        // Few input channels, cout in 32s: the direct stem kernel (groups of four pixels, edge
        // pixels one by one, a top pad wider than the kernel so a row reads no input at all).
        Case(input: [1, 13, 17, 3], kernel: (3, 3), outputChannels: 32, stride: 2, activation: .relu6),
        Case(input: [2, 9, 12, 1], kernel: (5, 5), outputChannels: 32, padding: .valid, activation: .relu),
        Case(input: [1, 6, 21, 4], kernel: (3, 3), outputChannels: 96, bias: false),
        Case(input: [1, 5, 9, 2], kernel: (3, 3), outputChannels: 32,
             padding: .explicit(top: 4, bottom: 0, left: 0, right: 3)),
        // K across several 256-deep blocks, M across several row chunks, N with a partial panel.
        Case(input: [1, 6, 5, 64], kernel: (3, 3), outputChannels: 40, activation: .relu),
        Case(input: [1, 20, 17, 300], kernel: (1, 1), outputChannels: 70),
        // 1×1 on a map above BLASEngine.smallMapPixels: the BLAS engine's own in-place GEMM path.
        Case(input: [1, 65, 64, 8], kernel: (1, 1), outputChannels: 24, activation: .relu),
        // 3×3 stride 1 with channels in multiples of 16: Winograd F(2,3) in the SIMD engine (odd
        // extents leave partial 2×2 tiles; 272 input channels cross a K block; 272 tiles cross a chunk).
        Case(input: [1, 9, 7, 16], kernel: (3, 3), outputChannels: 32, activation: .relu),
        Case(input: [2, 6, 5, 32], kernel: (3, 3), outputChannels: 48, padding: .valid),
        Case(input: [1, 7, 8, 48], kernel: (3, 3), outputChannels: 16,
             padding: .explicit(top: 0, bottom: 2, left: 1, right: 0), activation: .relu6),
        Case(input: [1, 5, 4, 272], kernel: (3, 3), outputChannels: 16, bias: false),
        Case(input: [1, 31, 33, 16], kernel: (3, 3), outputChannels: 16, activation: .relu),
        // A batch of small maps: Winograd-shaped, but im2col where `WinogradTransforms.pays` says so.
        Case(input: [10, 7, 7, 16], kernel: (3, 3), outputChannels: 32, activation: .relu),
        // Depthwise: 64-, 16- and scalar channel blocks; grouped (non-depthwise) falls back.
        Case(input: [1, 9, 7, 37], kernel: (3, 3), outputChannels: 37, groups: 37, activation: .relu6),
        Case(input: [1, 8, 9, 80], kernel: (5, 5), outputChannels: 80, stride: 2, groups: 80, activation: .relu6),
        Case(input: [2, 5, 7, 16], kernel: (3, 3), outputChannels: 16, stride: 2, groups: 16, bias: false),
        Case(input: [1, 6, 6, 144], kernel: (3, 3), outputChannels: 144, padding: .valid, groups: 144),
        // Depthwise rows wide enough for interior groups of four pixels, strided, with leftovers.
        Case(input: [1, 7, 21, 52], kernel: (5, 5), outputChannels: 52, stride: 2, groups: 52, activation: .relu6),
        Case(input: [1, 4, 14, 16], kernel: (3, 3), outputChannels: 16, padding: .explicit(top: 2, bottom: 0, left: 0, right: 3),
             groups: 16),
        Case(input: [1, 5, 6, 8], kernel: (3, 3), outputChannels: 6, groups: 2, activation: .relu),
    ]

    func testEveryEngineMatchesNaiveOnEveryCase() {
        let engines = allEngines()
        for (index, testCase) in Self.cases.enumerated() {
            let seed = UInt64(index * 10)
            let layer = testCase.layer(seed: seed)
            let input = randomTensor(testCase.input, seed: seed + 5)
            let reference = NaiveKernels.conv2d(input, layer)
            // The fused residual form on the same case: act(conv + bias + residual).
            let residual = randomTensor(reference.shape, seed: seed + 6)
            let fusedReference = NaiveKernels.conv2d(input, layer, adding: residual)
            for engine in engines {
                assertMatches(engine.conv2d(input, layer), reference, bound: Self.bound, "\(engine.kind): \(testCase)")
                assertMatches(engine.conv2d(input, layer, adding: residual), fusedReference, bound: Self.bound,
                              "\(engine.kind) + residual: \(testCase)")
            }
        }
    }

    /// The reference's fused residual equals convolution, then `add` with the activation.
    /// The engines' Winograd-or-im2col choice for the shapes it was measured on (ResNet-50's 3×3
    /// layers at 224): one image always Winograd; a 24-image batch Winograd on 56×56 and 28×28
    /// maps, im2col on 14×14 and 7×7 (`WinogradTransforms.pays`).
    func testWinogradOnlyWhereItPays() {
        func layer(_ channels: Int) -> ConvolutionLayer {
            ConvolutionLayer(kernel: Tensor(shape: [3, 3, channels, channels], repeating: 0))
        }
        for (side, channels) in [(56, 64), (28, 128), (14, 256), (7, 512)] {
            XCTAssertTrue(WinogradTransforms.pays(for: layer(channels), inputShape: [1, side, side, channels], threads: 2))
            XCTAssertEqual(WinogradTransforms.pays(for: layer(channels), inputShape: [24, side, side, channels], threads: 2),
                           side >= 28, "24 images of \(side)×\(side)")
        }
        XCTAssertFalse(WinogradTransforms.pays(for: ConvolutionLayer(kernel: Tensor(shape: [3, 3, 8, 16], repeating: 0)),
                                               inputShape: [1, 56, 56, 8], threads: 2), "channels not multiples of 16")
        XCTAssertTrue(WinogradTransforms.pays(for: layer(512), inputShape: [1, 28, 28, 512], threads: 2), "896 px: res5 is 28×28")
    }

    func testNaiveResidualEqualsConvolutionThenAdd() {
        for activation in Activation.allCases {
            let layer = Case(input: [1, 6, 7, 5], kernel: (3, 3), outputChannels: 9, activation: activation).layer(seed: 3)
            let input = randomTensor([1, 6, 7, 5], seed: 4), residual = randomTensor([1, 6, 7, 9], seed: 5)
            let separate = NaiveKernels.add(NaiveKernels.conv2d(input, layer.with(activation: .none)), residual,
                                            activation: activation)
            assertMatches(NaiveKernels.conv2d(input, layer, adding: residual), separate, bound: 1e-6, "\(activation)")
        }
    }

    func testSpecialValuesZeroAndNegativeInputs() {
        for engine in allEngines() {
            // Zero input: every output is act(bias).
            let layer = Case(input: [1, 5, 7, 9], kernel: (3, 3), outputChannels: 18, activation: .relu).layer(seed: 1)
            let zero = engine.conv2d(Tensor(shape: [1, 5, 7, 9]), layer)
            let expected = (0..<zero.count).map { Activation.relu.apply(layer.bias![$0 % 18]) }
            XCTAssertEqual(zero.data, expected, "\(engine.kind): zero input")
            // Positive kernel, no bias, negative input: ReLU gives exact zeros, none gives negatives.
            let positive = ConvolutionLayer(kernel: randomTensor([3, 3, 4, 5], seed: 2, in: 0.5...1), padding: .same)
            let negative = randomTensor([1, 6, 5, 4], seed: 3, in: -2 ... -1)
            XCTAssertTrue(engine.conv2d(negative, positive).data.allSatisfy { $0 < 0 }, "\(engine.kind)")
            XCTAssertTrue(engine.conv2d(negative, positive.with(activation: .relu)).data.allSatisfy { $0 == 0 },
                          "\(engine.kind)")
        }
    }

    /// SPEC §2: a 1×1/s2 SAME convolution on 7 gives 4 and samples x[0::2] (ResNet's
    /// res3a_branch1); with an identity kernel the output is exactly the sampled input.
    func testStridedPointwiseSamplesEveryOtherPixel() {
        var identity = Tensor(shape: [1, 1, 3, 3])
        for c in 0..<3 { identity[0, 0, c, c] = 1 }
        let layer = ConvolutionLayer(kernel: identity, stride: 2, padding: .same)
        let input = randomTensor([1, 7, 7, 3], seed: 9)
        for engine in allEngines() {
            let output = engine.conv2d(input, layer)
            XCTAssertEqual(output.shape, [1, 4, 4, 3], "\(engine.kind)")
            for y in 0..<4 {
                for x in 0..<4 {
                    for c in 0..<3 { XCTAssertEqual(output[0, y, x, c], input[0, 2 * y, 2 * x, c], "\(engine.kind)") }
                }
            }
        }
    }

    /// The naive reference itself on a hand-computed case: 3×3 SAME of a 3×3 ramp with an
    /// all-ones kernel sums each in-bounds neighbourhood.
    func testNaiveAgainstHandComputedSums() {
        let input = Tensor(shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let layer = ConvolutionLayer(kernel: Tensor(shape: [3, 3, 1, 1], repeating: 1), bias: [0.5])
        XCTAssertEqual(NaiveKernels.conv2d(input, layer).data, [12, 21, 16, 27, 45, 33, 24, 39, 28].map { $0 + 0.5 })
    }

    /// Results do not depend on the thread count: bit for bit on `simd` (same tiles, same arithmetic
    /// per element). On `blas` the row tiles are an equal share per worker, and OpenBLAS may pick
    /// another micro-kernel or edge path for another row count (seen on a Zen 1 EPYC without
    /// AVX-512, not on Zen 4), so there the bound is the convolution bound, 1e-5 of the scale.
    /// For a fixed thread count every engine is deterministic (exact resume relies on it).
    func testThreadCountDoesNotChangeResults() {
        let layer = Case(input: [1, 11, 13, 24], kernel: (3, 3), outputChannels: 48, activation: .relu).layer(seed: 4)
        let depthwise = Case(input: [1, 11, 13, 24], kernel: (3, 3), outputChannels: 24, groups: 24).layer(seed: 6)
        let winograd = Case(input: [1, 11, 13, 32], kernel: (3, 3), outputChannels: 16).layer(seed: 7)
        let input = randomTensor([1, 11, 13, 24], seed: 5), wide = randomTensor([1, 11, 13, 32], seed: 6)
        for kind in [BackendKind.simd, .blas] {
            let one = makeBackend(kind: kind, threads: 1), three = makeBackend(kind: kind, threads: 3)
            let bound: Float = kind == .simd ? 0 : 1e-5
            assertMatches(three.conv2d(input, layer), one.conv2d(input, layer), bound: bound, "\(kind) conv")
            assertMatches(three.conv2d(input, depthwise), one.conv2d(input, depthwise), bound: 0, "\(kind) depthwise")
            assertMatches(three.conv2d(wide, winograd), one.conv2d(wide, winograd), bound: bound, "\(kind) 3×3 s1")
            let twice = makeBackend(kind: kind, threads: 3)
            assertMatches(twice.conv2d(input, layer), three.conv2d(input, layer), bound: 0, "\(kind) conv, same threads")
        }
    }

    /// Shapes with very long patches or very many output channels, where the BLAS engine's row
    /// tiles shrink to their 64-row minimum (`clamp(2¹⁸/K or 2¹⁸/cout, 64, 1024)` rows), so
    /// several tiles, each with its own residual offset, make up one output.
    func testRowTilingOfLargeOperands() {
        let wide = Case(input: [1, 9, 10, 4096], kernel: (3, 3), outputChannels: 3, activation: .relu)  // K = 36864
        let tall = Case(input: [1, 15, 20, 3], kernel: (1, 1), outputChannels: 4100)                   // 300 rows
        for (index, testCase) in [wide, tall].enumerated() {
            let layer = testCase.layer(seed: UInt64(90 + index))
            let input = randomTensor(testCase.input, seed: UInt64(95 + index))
            let residual = randomTensor(layer.geometry(inputShape: input.shape).outputShape, seed: UInt64(97 + index))
            let reference = NaiveKernels.conv2d(input, layer, adding: residual)
            for engine in allEngines().dropFirst() {
                assertMatches(engine.conv2d(input, layer, adding: residual), reference, bound: Self.bound,
                              "\(engine.kind): \(testCase)")
            }
        }
    }

    /// Repeated calls reuse the prepacked kernel and give identical results.
    func testRepeatedCallsAreStable() {
        let layer = Case(input: [1, 6, 6, 10], kernel: (3, 3), outputChannels: 12).layer(seed: 8)
        let input = randomTensor([1, 6, 6, 10], seed: 9)
        for engine in allEngines() {
            assertMatches(engine.conv2d(input, layer), engine.conv2d(input, layer), bound: 0, "\(engine.kind)")
        }
    }
}

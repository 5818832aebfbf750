import Engines
import MirrorCore
import NaiveBackend
import XCTest

/// Every engine's convolution gradients against the reference kernels (themselves checked by
/// finite differences in `BackwardGradientCheckTests`).
///
/// Bound: relative error `max|g − g_ref| / max|g_ref| ≤ 1e-5` for `∂x`, `∂w` and `∂b`, as for the
/// forward convolution: Float sums in blocked/FMA order against Double sums give a few
/// `√(terms)·2⁻²⁴` of the gradient's scale, while a wrong index, tap, band or slab gives O(1).
final class BackwardConformanceTests: XCTestCase {
    static let bound: Float = 1e-5
    typealias Case = ConvolutionConformanceTests.Case

    /// Shapes that take the blocked and threaded paths: several col2im chunks and bands per
    /// image, several filter-gradient slabs and slabs of several chunks, row blocks of a long
    /// patch (K = 5400: one slab, cut into four row blocks on two threads), the RGB stem shapes,
    /// depthwise rows with interior runs and edges, batch 2.
    static let largeCases: [Case] = [
        Case(input: [2, 17, 19, 48], kernel: (3, 3), outputChannels: 40),
        Case(input: [2, 30, 31, 40], kernel: (1, 1), outputChannels: 24),
        Case(input: [2, 60, 61, 3], kernel: (3, 3), outputChannels: 32, stride: 2),
        Case(input: [2, 23, 25, 3], kernel: (7, 7), outputChannels: 16, stride: 2, padding: .explicit(3)),
        Case(input: [1, 6, 7, 600], kernel: (3, 3), outputChannels: 40),
        Case(input: [2, 14, 13, 20], kernel: (5, 5), outputChannels: 24, stride: 2),
        Case(input: [2, 20, 23, 96], kernel: (3, 3), outputChannels: 96, stride: 2, groups: 96),
        Case(input: [2, 15, 14, 144], kernel: (5, 5), outputChannels: 144, groups: 144),
        Case(input: [1, 12, 33, 40], kernel: (7, 7), outputChannels: 40, padding: .valid, groups: 40),
        // More than 8 filter-gradient chunks (8320 pixels of 1024), so a slab sums two chunks: in
        // place (1×1) and through im2col (strided 1×1).
        Case(input: [2, 65, 64, 4], kernel: (1, 1), outputChannels: 8),
        Case(input: [2, 130, 128, 3], kernel: (1, 1), outputChannels: 5, stride: 2, bias: false),
    ]

    static var allCases: [Case] { ConvolutionConformanceTests.cases + largeCases }

    func testInputGradientMatchesNaiveOnEveryCase() {
        let engines = allEngines().dropFirst()
        for (index, testCase) in Self.allCases.enumerated() {
            let (layer, _, gradOutput) = operands(testCase, seed: UInt64(1000 + 10 * index))
            let reference = NaiveKernels.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input)
            for engine in engines {
                assertMatches(engine.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input), reference,
                              bound: Self.bound, "\(engine.kind) ∂x: \(testCase)")
            }
        }
    }

    func testFilterGradientMatchesNaiveOnEveryCase() {
        let engines = allEngines().dropFirst()
        for (index, testCase) in Self.allCases.enumerated() {
            let (layer, input, gradOutput) = operands(testCase, seed: UInt64(2000 + 10 * index))
            let reference = NaiveKernels.conv2dBackwardFilter(input, gradOutput, layer)
            for engine in engines {
                let gradients = engine.conv2dBackwardFilter(input, gradOutput, layer)
                assertMatches(gradients.kernel, reference.kernel, bound: Self.bound, "\(engine.kind) ∂w: \(testCase)")
                let biasError = relativeError(gradients.bias, reference.bias)
                XCTAssertLessThanOrEqual(biasError, Self.bound, "\(engine.kind) ∂b: \(testCase)")
            }
        }
    }

    /// Repeated calls give identical results, and the SIMD kernels (and the BLAS engine's
    /// depthwise layers, which run on them) give identical results on 1 and 3 threads: bands,
    /// chunks and slabs depend on the shape only. (BLAS's GEMM layers may split row blocks per
    /// thread count, which OpenBLAS may round differently; they are checked for repeatability.)
    func testGradientsAreDeterministic() {
        // Two filter slabs (1×1), col2im bands of a strided 3×3 layer, a stride-1 3×3 layer (the
        // transposed forward convolution), a strided depthwise layer.
        let cases = [Case(input: [2, 30, 31, 8], kernel: (1, 1), outputChannels: 16),
                     Case(input: [2, 23, 25, 8], kernel: (3, 3), outputChannels: 16, stride: 2),
                     Case(input: [2, 11, 13, 16], kernel: (3, 3), outputChannels: 8),
                     Case(input: [2, 9, 12, 32], kernel: (3, 3), outputChannels: 32, stride: 2, groups: 32)]
        for (index, testCase) in cases.enumerated() {
            let (layer, input, gradOutput) = operands(testCase, seed: UInt64(3000 + 10 * index))
            for kind in [BackendKind.simd, .blas] {
                let engine = makeBackend(kind: kind, threads: 2), again = makeBackend(kind: kind, threads: 2)
                let first = engine.conv2dBackwardFilter(input, gradOutput, layer)
                let second = again.conv2dBackwardFilter(input, gradOutput, layer)
                assertMatches(second.kernel, first.kernel, bound: 0, "\(kind) ∂w repeat: \(testCase)")
                XCTAssertEqual(second.bias, first.bias, "\(kind) ∂b repeat: \(testCase)")
                assertMatches(again.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input),
                              engine.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input), bound: 0,
                              "\(kind) ∂x repeat: \(testCase)")
                guard kind == .simd || layer.isDepthwise else { continue }
                let one = makeBackend(kind: kind, threads: 1), three = makeBackend(kind: kind, threads: 3)
                let single = one.conv2dBackwardFilter(input, gradOutput, layer)
                let triple = three.conv2dBackwardFilter(input, gradOutput, layer)
                assertMatches(triple.kernel, single.kernel, bound: 0, "\(kind) ∂w 1 vs 3 threads: \(testCase)")
                XCTAssertEqual(triple.bias, single.bias, "\(kind) ∂b 1 vs 3 threads: \(testCase)")
                assertMatches(three.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input),
                              one.conv2dBackwardInput(gradOutput, layer, inputShape: testCase.input), bound: 0,
                              "\(kind) ∂x 1 vs 3 threads: \(testCase)")
            }
        }
    }

    /// The layer, an input and an output gradient for one case.
    func operands(_ testCase: Case, seed: UInt64) -> (ConvolutionLayer, Tensor, Tensor) {
        let layer = testCase.layer(seed: seed)
        let input = randomTensor(testCase.input, seed: seed + 5)
        let gradOutput = randomTensor(layer.geometry(inputShape: testCase.input).outputShape, seed: seed + 6)
        return (layer, input, gradOutput)
    }
}

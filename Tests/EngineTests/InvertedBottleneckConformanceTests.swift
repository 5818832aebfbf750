import Engines
import MirrorCore
@testable import SIMDBackend
import XCTest

/// The fused inverted-residual block (`ComputeBackend.invertedBottleneck`) on every engine against
/// its definition, the three layers run one by one on the naive engine.
///
/// Bound: the convolution bound, relative 1e-5 of the output scale (Docs/ENGINES.md): the fused
/// path computes every element with the split path's kernels, so only GEMM blocking differs.
/// Shapes are chosen so the plans cut several bands and pieces: 8-pixel-wide rows give bands of
/// 24 output rows (the GEMMs' 192-row minimum), and 100 rows give several bands per piece, so
/// the ring of widened rows wraps in the middle of an expand call.
final class InvertedBottleneckConformanceTests: XCTestCase {
    static let bound: Float = 1e-5

    struct Case: CustomStringConvertible {
        var input: [Int]
        var expandRatio: Int
        var kernel: Int
        var stride: Int
        var outputChannels: Int
        var addsInput: Bool

        var description: String {
            "in \(input) ×\(expandRatio) k\(kernel) s\(stride) cout \(outputChannels)\(addsInput ? " + input" : "")"
        }

        func block(seed: UInt64) -> InvertedBottleneck {
            let cin = input[3], wide = cin * expandRatio
            let expand = expandRatio == 1 ? nil : ConvolutionLayer(
                kernel: randomTensor([1, 1, cin, wide], seed: seed), bias: randomVector(wide, seed: seed + 1),
                activation: .relu6)
            let depthwise = ConvolutionLayer(kernel: randomTensor([kernel, kernel, 1, wide], seed: seed + 2),
                                             bias: randomVector(wide, seed: seed + 3), stride: stride, groups: wide,
                                             activation: .relu6)
            let project = ConvolutionLayer(kernel: randomTensor([1, 1, wide, outputChannels], seed: seed + 4),
                                           bias: randomVector(outputChannels, seed: seed + 5))
            return InvertedBottleneck(expand: expand, depthwise: depthwise, project: project, addsInput: addsInput)!
        }
    }

    static let cases: [Case] = [
        // Lite0's shapes in miniature: stride 1 with the shortcut, stride 2 without, 3×3 and 5×5.
        Case(input: [1, 100, 8, 16], expandRatio: 6, kernel: 3, stride: 1, outputChannels: 16, addsInput: true),
        Case(input: [1, 100, 8, 16], expandRatio: 6, kernel: 3, stride: 2, outputChannels: 24, addsInput: false),
        Case(input: [1, 99, 7, 24], expandRatio: 6, kernel: 5, stride: 2, outputChannels: 40, addsInput: false),
        Case(input: [1, 101, 9, 12], expandRatio: 6, kernel: 5, stride: 1, outputChannels: 12, addsInput: true),
        // No expand (block 0), a batch of two, channel counts off the 64/16 vector blocks.
        Case(input: [2, 60, 8, 37], expandRatio: 1, kernel: 3, stride: 1, outputChannels: 19, addsInput: false),
        Case(input: [2, 9, 5, 5], expandRatio: 3, kernel: 3, stride: 2, outputChannels: 5, addsInput: false),
        // Too wide for a band in cache: the engines run it split.
        Case(input: [1, 26, 8, 140], expandRatio: 6, kernel: 3, stride: 1, outputChannels: 140, addsInput: true),
    ]

    func testEveryEngineMatchesTheComposedLayers() {
        let naive = makeBackend(kind: .naive, threads: 1)
        for (index, testCase) in Self.cases.enumerated() {
            let seed = UInt64(100 + index * 10)
            let block = testCase.block(seed: seed)
            let input = randomTensor(testCase.input, seed: seed + 7)
            let reference = block.composed(input, on: naive)
            for engine in allEngines() {
                assertMatches(engine.invertedBottleneck(input, block), reference, bound: Self.bound,
                              "\(engine.kind): \(testCase)")
            }
        }
    }

    /// Forced band heights 1–3 (one output row at a time is the ring's tightest case) on one and
    /// two threads, through the SIMD engine's GEMM.
    func testEveryBandHeightMatches() throws {
        let naive = makeBackend(kind: .naive, threads: 1)
        for (index, testCase) in Self.cases.prefix(6).enumerated() {
            let seed = UInt64(200 + index * 10)
            let block = testCase.block(seed: seed)
            let input = randomTensor(testCase.input, seed: seed + 7)
            let reference = block.composed(input, on: naive)
            for bandRows in 1...3 {
                for threads in 1...2 {
                    let fused = try XCTUnwrap(FusedBottleneck.run(input, block, threads: threads, bandRows: bandRows,
                                                                  pointwise: SIMDConvolution.pointwise))
                    assertMatches(fused, reference, bound: Self.bound, "\(bandRows) rows, \(threads) threads: \(testCase)")
                }
            }
        }
    }

    /// The cut of Lite0's blocks at input 896: cache-sized bands for the large early maps, none for
    /// the late ones (the 56×56×672 and 28×28 maps), pieces for both threads.
    func testPlansFuseTheLargeEarlyBlocksOnly() {
        func geometry(_ size: Int, _ channels: Int, kernel: Int, stride: Int) -> ConvolutionGeometry {
            ConvolutionLayer(kernel: Tensor(shape: [kernel, kernel, 1, channels]), stride: stride, groups: channels)
                .geometry(inputShape: [1, size, size, channels])
        }
        let block1 = FusedBottleneck.plan(geometry(448, 96, kernel: 3, stride: 2), expands: true, threads: 2)
        XCTAssertEqual(block1, .init(bandRows: 1, windowRows: 3, piecesPerImage: 4))
        XCTAssertNotNil(FusedBottleneck.plan(geometry(56, 480, kernel: 5, stride: 1), expands: true, threads: 2))
        XCTAssertNil(FusedBottleneck.plan(geometry(56, 672, kernel: 5, stride: 1), expands: true, threads: 2))
        XCTAssertNil(FusedBottleneck.plan(geometry(28, 1152, kernel: 5, stride: 1), expands: true, threads: 2))
    }

    func testLayersThatAreNoBottleneckAreRefused() {
        let wide = ConvolutionLayer(kernel: Tensor(shape: [3, 3, 1, 8]), groups: 8)
        let expand = ConvolutionLayer(kernel: Tensor(shape: [1, 1, 4, 8]))
        let project = ConvolutionLayer(kernel: Tensor(shape: [1, 1, 8, 4]))
        XCTAssertNotNil(InvertedBottleneck(expand: expand, depthwise: wide, project: project, addsInput: true))
        XCTAssertNil(InvertedBottleneck(expand: project, depthwise: wide, project: project, addsInput: false), "channels")
        XCTAssertNil(InvertedBottleneck(expand: expand, depthwise: expand, project: project, addsInput: false), "not depthwise")
        let strided = ConvolutionLayer(kernel: Tensor(shape: [3, 3, 1, 8]), stride: 2, groups: 8)
        XCTAssertNil(InvertedBottleneck(expand: expand, depthwise: strided, project: project, addsInput: true), "stride 2 shortcut")
        let padded = ConvolutionLayer(kernel: Tensor(shape: [1, 1, 8, 4]), padding: .explicit(1))
        XCTAssertNil(InvertedBottleneck(expand: expand, depthwise: wide, project: padded, addsInput: false), "padded 1×1")
    }
}

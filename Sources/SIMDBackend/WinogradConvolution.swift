import MirrorCore

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3): 16 GEMMs of depth `cin` replace one of
/// depth `9·cin`, 2.25× fewer multiply-adds, plus cheap input/output transforms.
///
/// Runs on `WinogradDriver`; each product is the single-threaded SIMD GEMM against a prepacked
/// `U_ξ`. Chunks are cache-sized (scratch per worker about 2 MiB). Taken when the channel counts
/// are multiples of 16 (every 3×3 convolution of ResNet-50 and GoogLeNet).
///
/// Numerical contract: the transforms add and subtract, and `U` is computed in Double and
/// rounded once, so results differ from direct convolution by rounding only; the conformance
/// suite holds them to the same 1e-5 relative bound as the GEMM path.
enum WinogradConvolution {
    static let packingKey = "simd.winograd23.kc\(SIMDGEMM.blockDepth).nr\(GEMMKernel.columns)"

    /// The 16 transformed kernels, packed for the micro-kernel.
    final class TransformedKernel {
        let matrices: [PackedMatrix]
        init(_ layer: ConvolutionLayer) {
            let cin = layer.inputChannels, cout = layer.outputChannels
            let u = WinogradTransforms.transformKernel(layer.kernel)
            matrices = u.withUnsafeBufferPointer { buffer in
                (0..<16).map { xi in
                    PackedMatrix(rows: cin, columns: cout, blockDepth: SIMDGEMM.blockDepth,
                                 from: buffer.baseAddress! + xi * cin * cout, rowStride: cout, columnStride: 1)
                }
            }
        }
    }

    /// Tiles per work item: transformed input and products (`16·tiles·(cin + cout)` floats)
    /// within ~2 MiB, a multiple of 6 (the micro-kernel's rows) between 12 and 240, and small
    /// enough that every thread gets two chunks (deep layers at small sizes have few tiles).
    static func tilesPerChunk(inputChannels: Int, outputChannels: Int, tiles: Int, threads: Int) -> Int {
        let fitting = (2 << 20) / (16 * (inputChannels + outputChannels) * 4)
        let share = (tiles + 2 * threads - 1) / (2 * threads)
        return max(6, min(240, fitting, share) / 6 * 6)
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor? = nil, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        let cin = g.inputChannels, cout = g.outputChannels
        let chunk = tilesPerChunk(inputChannels: cin, outputChannels: cout, tiles: WinogradTiling(g).tiles, threads: threads)
        let kernel = layer.prepacked(packingKey) { TransformedKernel(layer) }
        return WinogradDriver.run(input, layer, residual: residual, threads: threads, chunk: chunk) { xi, a, count, c in
            SIMDGEMM.multiply(m: count, source: .matrix(a, lda: cin), packed: kernel.matrices[xi], c: c, ldc: cout,
                              epilogue: GEMMEpilogue(), threads: 1)
        }
    }
}

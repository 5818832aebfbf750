import MirrorCore
import SIMDBackend

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) with `cblas_sgemm` for the 16 products
/// (transforms shared with the SIMD engine, `WinogradTransforms`).
///
/// Runs on `WinogradDriver` with OpenBLAS single-threaded in every worker (its own threads are
/// not used: see `BLASConvolution`). Chunks hold up to 256 tiles (more when `cin + cout ≤ 128`),
/// but no more than an equal share per worker; OpenBLAS repacks `U_ξ` per call, so chunks are
/// kept large rather than cache-sized. With fewer than 64 tiles per thread (deep layers at small
/// sizes) all tiles form one chunk and the workers share out its 16 GEMMs.
enum BLASWinograd {
    static let cacheKey = "blas.winograd23"

    final class TransformedKernel {
        let values: [Float]
        init(_ layer: ConvolutionLayer) { values = WinogradTransforms.transformKernel(layer.kernel) }
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        let tiles = WinogradTiling(g).tiles
        let cin = g.inputChannels, cout = g.outputChannels
        let share = (tiles + threads - 1) / threads
        let chunk = tiles >= 64 * threads ? max(1, min(share, max(256, (1 << 19) / (16 * (cin + cout))))) : tiles
        let kernel = layer.prepacked(cacheKey) { TransformedKernel(layer) }
        return kernel.values.withUnsafeBufferPointer { uBuffer in
            let u = uBuffer.baseAddress!
            return OpenBLAS.singleThreaded(restoring: threads) {
                WinogradDriver.run(input, layer, residual: residual, threads: threads, chunk: max(1, chunk)) { xi, a, count, c in
                    OpenBLAS.sgemm(transposeA: false, transposeB: false, m: count, n: cout, k: cin, alpha: 1, a: a,
                                   lda: cin, b: u + xi * cin * cout, ldb: cout, beta: 0, c: c, ldc: cout)
                }
            }
        }
    }
}

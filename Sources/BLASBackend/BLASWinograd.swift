import MirrorCore
import SIMDBackend

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) with `cblas_sgemm` for the 16 products
/// (transforms shared with the SIMD engine, `WinogradTransforms`).
///
/// Like `BLASConvolution`, each worker takes chunks of output tiles: input transform into its
/// 16 `[tiles × cin]` matrices, 16 single-threaded `[tiles × cin] · [cin × cout]` GEMMs against
/// the transformed kernels (computed once per layer in Double and cached on it), output
/// transform with bias, residual and activation. Chunks hold up to 256 tiles (more when
/// `cin + cout ≤ 128`), but no more than an equal share per worker; OpenBLAS repacks `U_ξ` per
/// call, so chunks are kept large rather than cache-sized. With fewer than 64 tiles per thread
/// (deep layers at small sizes) all tiles form one chunk and the workers share out its 16 GEMMs
/// instead (OpenBLAS's own threads are not used: see `BLASConvolution`).
enum BLASWinograd {
    static let cacheKey = "blas.winograd23"

    final class TransformedKernel {
        let values: [Float]
        init(_ layer: ConvolutionLayer) { values = WinogradTransforms.transformKernel(layer.kernel) }
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let tiling = WinogradTiling(g)
        let cin = g.inputChannels, cout = g.outputChannels
        let perWorker = tiling.tiles >= 64 * threads
        let share = (tiling.tiles + threads - 1) / threads
        let chunk = perWorker ? max(1, min(share, max(256, (1 << 19) / (16 * (cin + cout))))) : tiling.tiles
        let kernel = layer.prepacked(cacheKey) { TransformedKernel(layer) }
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard tiling.tiles > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                kernel.values.withUnsafeBufferPointer { uBuffer in
                    withOptionalPointer(layer.bias) { bias in
                        withOptionalPointer(residual?.data) { residual in
                            let x = xBuffer.baseAddress!, u = uBuffer.baseAddress!, y = out.baseAddress!
                            /// Product ξ of a chunk of `count` tiles.
                            func product(_ xi: Int, count: Int, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
                                OpenBLAS.sgemm(transposeA: false, transposeB: false, m: count, n: cout, k: cin,
                                               alpha: 1, a: v + xi * count * cin, lda: cin, b: u + xi * cin * cout,
                                               ldb: cout, beta: 0, c: m + xi * count * cout, ldc: cout)
                            }
                            /// Transforms and the 16 GEMMs of one chunk of tiles, or of all tiles
                            /// with the GEMMs shared out when there are too few tiles to share.
                            func chunkWork(_ item: Int, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
                                let first = item * chunk, count = min(chunk, tiling.tiles - first)
                                WinogradTransforms.transformInputTiles(tiling, input: x, first: first, count: count,
                                                                       planeTiles: count, into: v)
                                if perWorker {
                                    for xi in 0..<16 { product(xi, count: count, v: v, m: m) }
                                } else {
                                    Parallel.forEach(count: 16, threads: threads) { product($0, count: count, v: v, m: m) }
                                }
                                WinogradTransforms.transformOutputTiles(
                                    tiling, products: m, first: first, count: count, planeTiles: count, bias: bias,
                                    residual: residual, activation: layer.activation, into: y)
                            }
                            let makeScratch = {
                                (AlignedBuffer(count: 16 * chunk * cin), AlignedBuffer(count: 16 * chunk * cout))
                            }
                            OpenBLAS.singleThreaded(restoring: threads) {
                                if perWorker {
                                    Parallel.forEach(count: (tiling.tiles + chunk - 1) / chunk, threads: threads,
                                                     makeState: makeScratch) { scratch, item in
                                        chunkWork(item, v: scratch.0.pointer, m: scratch.1.pointer)
                                    }
                                } else {
                                    let scratch = makeScratch()
                                    chunkWork(0, v: scratch.0.pointer, m: scratch.1.pointer)
                                }
                            }
                        }
                    }
                }
            }
        })
    }
}

import MirrorCore
import SIMDBackend

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) with `cblas_sgemm` for the 16 products
/// (transforms shared with the SIMD engine, `WinogradTransforms`).
///
/// Tiles are processed in chunks whose transformed input and products (`16·tiles·(cin+cout)`
/// floats) fit `scratchBudget` (32 MiB), large enough for OpenBLAS to run each `[tiles × cin] ·
/// [cin × cout]` product efficiently on all threads; transforms are split over threads.
/// The transformed kernels `U_ξ` are computed once per layer and cached on it.
enum BLASWinograd {
    static let scratchBudget = 8 << 20   // floats
    static let cacheKey = "blas.winograd23"

    final class TransformedKernel {
        let values: [Float]
        init(_ layer: ConvolutionLayer) { values = WinogradTransforms.transformKernel(layer.kernel) }
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        checkResidual(residual, g)
        let tiling = WinogradTiling(g)
        let cin = g.inputChannels, cout = g.outputChannels
        let chunk = max(16, scratchBudget / (16 * (cin + cout)))
        let kernel = layer.prepacked(cacheKey) { TransformedKernel(layer) }
        let v = AlignedBuffer(count: 16 * min(chunk, tiling.tiles) * cin)
        let m = AlignedBuffer(count: 16 * min(chunk, tiling.tiles) * cout)
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard tiling.tiles > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                kernel.values.withUnsafeBufferPointer { uBuffer in
                    let x = xBuffer.baseAddress!, u = uBuffer.baseAddress!, y = out.baseAddress!
                    var first = 0
                    while first < tiling.tiles {
                        let count = min(chunk, tiling.tiles - first)
                        // Transforms of disjoint tile runs on all threads; planes are `count` rows tall.
                        Parallel.forRanges(total: count, grain: 16, threads: threads) { range in
                            WinogradTransforms.transformInputTiles(
                                tiling, input: x, first: first + range.lowerBound, count: range.count, planeTiles: count,
                                into: v.pointer + range.lowerBound * cin)
                        }
                        for xi in 0..<16 {
                            OpenBLAS.sgemm(transposeA: false, transposeB: false, m: count, n: cout, k: cin, alpha: 1,
                                           a: v.pointer + xi * count * cin, lda: cin, b: u + xi * cin * cout, ldb: cout,
                                           beta: 0, c: m.pointer + xi * count * cout, ldc: cout, threads: threads)
                        }
                        withOptionalPointer(layer.bias) { bias in
                            withOptionalPointer(residual?.data) { residual in
                                Parallel.forRanges(total: count, grain: 16, threads: threads) { range in
                                    WinogradTransforms.transformOutputTiles(
                                        tiling, products: m.pointer + range.lowerBound * cout, first: first + range.lowerBound,
                                        count: range.count, planeTiles: count, bias: bias, residual: residual,
                                        activation: layer.activation, into: y)
                                }
                            }
                        }
                        first += count
                    }
                }
            }
        })
    }
}

import MirrorCore
import SIMDBackend

/// Ungrouped convolution as `cblas_sgemm` over row tiles of the `[outH·outW, kh·kw·cin]`
/// patch matrix times the HWIO kernel read as `[kh·kw·cin, cout]` (no repacking: OpenBLAS packs
/// internally), writing NHWC output rows directly.
///
/// - 1×1, stride 1, no padding: A is the NHWC input itself (`lda = cin`), no copy.
/// - Otherwise (k×k, strided 1×1 = subsampling, explicit padding): im2col of a row tile into one
///   buffer of at most `im2colBudget` floats (8 MiB; at least 64 rows, so the bound is
///   `max(8 MiB, 64·K·4 B)`, i.e. 8 MiB for every K ≤ 32768), built by all threads, then one GEMM.
/// - Bias, residual and activation: one vectorised pass over each output tile right after its GEMM.
enum BLASConvolution {
    static let im2colBudget = 2 << 20        // floats
    static let outputTileBudget = 1 << 20    // floats of output per in-place 1×1 GEMM call

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        checkResidual(residual, g)
        let k = g.patchLength, cout = g.outputChannels, m = g.outputPixels
        let inPlace = layer.isPointwise && g.stride == 1
        let tileRows = inPlace ? max(256, outputTileBudget / cout) : max(64, im2colBudget / k)
        let scratch = inPlace ? nil : AlignedBuffer(count: min(tileRows, m) * k)
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard m > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                layer.kernel.data.withUnsafeBufferPointer { wBuffer in
                    withOptionalPointer(residual?.data) { residual in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                        var firstRow = 0
                        while firstRow < m {
                            let rows = min(tileRows, m - firstRow)
                            let a: UnsafePointer<Float>
                            if let scratch {
                                Parallel.forRanges(total: rows, grain: 32, threads: threads) { range in
                                    Im2col.copyRows(g, input: x, firstRow: firstRow + range.lowerBound, count: range.count,
                                                    into: scratch.pointer + range.lowerBound * k, ld: k)
                                }
                                a = UnsafePointer(scratch.pointer)
                            } else {
                                a = x + firstRow * g.inputChannels
                            }
                            let c = out.baseAddress! + firstRow * cout
                            OpenBLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: cout, k: k, alpha: 1,
                                           a: a, lda: k, b: w, ldb: cout, beta: 0, c: c, ldc: cout, threads: threads)
                            if layer.bias != nil || residual != nil || layer.activation != .none {
                                VectorKernels.biasActivation(bias: layer.bias, residual: residual.map { $0 + firstRow * cout },
                                                             activation: layer.activation, to: c, rows: rows, columns: cout,
                                                             threads: threads)
                            }
                            firstRow += rows
                        }
                    }
                }
            }
        })
    }
}

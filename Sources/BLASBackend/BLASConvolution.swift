import MirrorCore
import SIMDBackend

/// Ungrouped convolution as `cblas_sgemm` over row tiles of the `[outH·outW, kh·kw·cin]`
/// patch matrix times the HWIO kernel read as `[kh·kw·cin, cout]` (no repacking: OpenBLAS packs
/// internally), writing NHWC output rows directly.
///
/// Each of the engine's `threads` workers takes row tiles in turn and, for its tile, builds the
/// A operand, calls single-threaded `cblas_sgemm`, then applies bias, residual and activation
/// in one vectorised pass while the tile is still in its cache. With fewer than two tiles per
/// thread (small late layers, e.g. 7×7 outputs) the tiles run in sequence instead, each GEMM on
/// all of OpenBLAS's threads. (Measured on the 2-core test
/// machine, this beat running im2col/epilogue passes and OpenBLAS's own threads in alternation,
/// whose workers spin after every call; it also has no barriers between the passes.)
/// - 1×1, stride 1, no padding: A is the NHWC input itself (`lda = cin`), no copy; tiles of
///   at most `2¹⁸/cout` rows (an output tile ≤ 1 MiB).
/// - Otherwise (k×k, strided 1×1 = subsampling, explicit padding): im2col of the tile into the
///   worker's buffer of `rows·K` floats, `rows = clamp(2¹⁸/K, 64, 1024)`, so the buffer is
///   `max(1 MiB, 64·K·4 B)` per worker (1 MiB for every K ≤ 4096).
enum BLASConvolution {
    static let tileBudget = 1 << 18   // floats

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let k = g.patchLength, cout = g.outputChannels, m = g.outputPixels
        let inPlace = layer.isPointwise && g.stride == 1
        let tileRows = max(64, min(1024, tileBudget / (inPlace ? cout : k)))
        let tiles = (m + tileRows - 1) / tileRows
        let needsEpilogue = layer.bias != nil || residual != nil || layer.activation != .none
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard m > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                layer.kernel.data.withUnsafeBufferPointer { wBuffer in
                    withOptionalPointer(residual?.data) { residual in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                        /// A, GEMM and epilogue of one row tile (`scratch` holds its im2col rows).
                        func tile(_ tile: Int, scratch: AlignedBuffer?) {
                            let firstRow = tile * tileRows, rows = min(tileRows, m - firstRow)
                            let a: UnsafePointer<Float>
                            if let scratch {
                                Im2col.copyRows(g, input: x, firstRow: firstRow, count: rows, into: scratch.pointer, ld: k)
                                a = UnsafePointer(scratch.pointer)
                            } else {
                                a = x + firstRow * g.inputChannels
                            }
                            let c = out.baseAddress! + firstRow * cout
                            OpenBLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: cout, k: k, alpha: 1,
                                           a: a, lda: k, b: w, ldb: cout, beta: 0, c: c, ldc: cout)
                            if needsEpilogue {
                                VectorKernels.biasActivation(
                                    bias: layer.bias, residual: residual.map { $0 + firstRow * cout },
                                    activation: layer.activation, to: c, rows: rows, columns: cout, threads: 1)
                            }
                        }
                        let makeScratch = { inPlace ? nil : AlignedBuffer(count: min(tileRows, m) * k) }
                        if tiles >= 2 * threads {
                            OpenBLAS.singleThreaded(restoring: threads) {
                                Parallel.forEach(count: tiles, threads: threads, makeState: makeScratch) { scratch, index in
                                    tile(index, scratch: scratch)
                                }
                            }
                        } else {
                            // Too few tiles to share out (small late layers): OpenBLAS's threads split each GEMM.
                            OpenBLAS.useThreads(threads)
                            let scratch = makeScratch()
                            for index in 0..<tiles { tile(index, scratch: scratch) }
                        }
                    }
                }
            }
        })
    }
}

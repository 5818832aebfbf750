import MirrorCore
import SIMDBackend

/// Ungrouped convolution as `cblas_sgemm` over row tiles of the `[outH·outW, kh·kw·cin]`
/// patch matrix times the HWIO kernel read as `[kh·kw·cin, cout]` (no repacking: OpenBLAS packs
/// internally), writing NHWC output rows directly.
///
/// The engine's `threads` workers take (row tile, column slice) items in turn and, for each,
/// build the A operand, call single-threaded `cblas_sgemm`, then apply bias, residual and
/// activation in one vectorised pass while the block is still in their cache. Column slices
/// appear only when there are fewer than two row tiles per worker (small late layers, e.g. 7×7
/// outputs): the slices of one tile share its A rows and split B and C by columns.
///
/// OpenBLAS's own threads are never used here: after each multi-threaded call they spin for a
/// while (its `THREAD_TIMEOUT`, ~0.1 s by default) and take a core from the next op's workers;
/// measured on Lite0 @896 that turned 92 ms into 125 ms at random.
/// - 1×1, stride 1, no padding: A is the NHWC input itself (`lda = cin`), no copy; tiles of
///   at most `2¹⁸/cout` rows (an output tile ≤ 1 MiB).
/// - Otherwise (k×k, strided 1×1 = subsampling, explicit padding): im2col of the tile into the
///   worker's buffer of `rows·K` floats, `rows = clamp(2¹⁸/K, 64, 1024)`, so the buffer is
///   `max(1 MiB, 64·K·4 B)` per worker (1 MiB for every K ≤ 4096).
/// - Either way no more than an equal share of `m / (2·threads)` rows (down to 64), so that every
///   worker gets two tiles or more.
enum BLASConvolution {
    static let tileBudget = 1 << 18   // floats

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let k = g.patchLength, cout = g.outputChannels, m = g.outputPixels
        let inPlace = layer.isPointwise && g.stride == 1
        // Cache-sized tiles, but at least two per worker while that leaves 64 rows or more.
        let share = ((m + 2 * threads - 1) / (2 * threads) + 15) / 16 * 16
        let tileRows = max(64, min(1024, tileBudget / (inPlace ? cout : k), share))
        let tiles = (m + tileRows - 1) / tileRows
        // Still few tiles (m < 128·threads): cut columns too (slices of ≥ 64, multiples of 16).
        let slices = tiles >= 2 * threads ? 1 : max(1, min((cout + 63) / 64, (2 * threads + tiles - 1) / tiles))
        let sliceWidth = ((cout + slices - 1) / slices + 15) / 16 * 16
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard m > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                withOptionalPointer(residual?.data) { residual in
                    let x = xBuffer.baseAddress!
                    /// A, GEMM and epilogue of one row tile's column slice (`scratch` holds its im2col rows).
                    func item(_ item: Int, scratch: AlignedBuffer?) {
                        let tile = item / slices, firstColumn = (item % slices) * sliceWidth
                        let firstRow = tile * tileRows, rows = min(tileRows, m - firstRow)
                        let columns = min(sliceWidth, cout - firstColumn)
                        guard columns > 0 else { return }
                        let a: UnsafePointer<Float>
                        if let scratch {
                            Im2col.copyRows(g, input: x, firstRow: firstRow, count: rows, into: scratch.pointer, ld: k)
                            a = UnsafePointer(scratch.pointer)
                        } else {
                            a = x + firstRow * g.inputChannels
                        }
                        let offset = firstRow * cout + firstColumn
                        product(layer, a: a, rows: rows, firstColumn: firstColumn, columns: columns,
                                c: out.baseAddress! + offset, residual: residual.map { $0 + offset })
                    }
                    let makeScratch = { inPlace ? nil : AlignedBuffer(count: min(tileRows, m) * k) }
                    OpenBLAS.singleThreaded(restoring: threads) {
                        Parallel.forEach(count: tiles * slices, threads: threads, makeState: makeScratch) { scratch, index in
                            item(index, scratch: scratch)
                        }
                    }
                }
            }
        })
    }

    /// One `cblas_sgemm` and its epilogue on the calling thread's OpenBLAS:
    /// `c[rows × columns] = act(a · W[:, firstColumn..<firstColumn+columns] + bias + residual)`,
    /// with the layer's HWIO kernel read as `W [kh·kw·cin, cout]`, `a` `[rows, kh·kw·cin]`, and
    /// `c` and `residual` rows `cout` apart. A convolution's tile, or a fused block's 1×1 layer.
    static func product(_ layer: ConvolutionLayer, a: UnsafePointer<Float>, rows: Int, firstColumn: Int = 0,
                        columns: Int, c: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) {
        let cout = layer.outputChannels, k = layer.kernel.count / cout
        layer.kernel.data.withUnsafeBufferPointer { w in
            OpenBLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: columns, k: k, alpha: 1, a: a, lda: k,
                           b: w.baseAddress! + firstColumn, ldb: cout, beta: 0, c: c, ldc: cout)
        }
        if layer.bias != nil || residual != nil || layer.activation != .none {
            VectorKernels.biasActivation(bias: layer.bias, firstColumn: firstColumn, residual: residual,
                                         activation: layer.activation, to: c, rows: rows, columns: columns, ld: cout,
                                         threads: 1)
        }
    }
}

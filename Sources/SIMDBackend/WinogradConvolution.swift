import MirrorCore

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3): 16 GEMMs of depth `cin` replace one of
/// depth `9·cin`, 2.25× fewer multiply-adds, plus cheap input/output transforms.
///
/// Work is cut into chunks of output tiles (2×2 pixels each, in NHWC order); a worker transforms
/// its chunk's input tiles into 16 `[tiles × cin]` matrices, multiplies each by its prepacked
/// `U_ξ` with the single-threaded SIMD GEMM, and transforms the 16 `[tiles × cout]` products
/// back to pixels with bias and activation. Scratch per worker is about 2 MiB. Taken when the
/// channel counts are multiples of 16 (every 3×3 convolution of ResNet-50 and GoogLeNet).
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
        precondition(WinogradTransforms.applies(to: layer), "not a Winograd F(2,3) convolution")
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let tiling = WinogradTiling(g)
        let cin = g.inputChannels, cout = g.outputChannels
        let chunk = tilesPerChunk(inputChannels: cin, outputChannels: cout, tiles: tiling.tiles, threads: threads)
        let kernel = layer.prepacked(packingKey) { TransformedKernel(layer) }
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard tiling.tiles > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                withOptionalPointer(layer.bias) { bias in
                    withOptionalPointer(residual?.data) { residual in
                        let x = xBuffer.baseAddress!, y = out.baseAddress!
                        Parallel.forEach(count: (tiling.tiles + chunk - 1) / chunk, threads: threads,
                                         makeState: { (AlignedBuffer(count: 16 * chunk * cin),
                                                       AlignedBuffer(count: 16 * chunk * cout)) }) { scratch, item in
                            let (v, m) = (scratch.0.pointer, scratch.1.pointer)
                            let first = item * chunk, count = min(chunk, tiling.tiles - first)
                            WinogradTransforms.transformInputTiles(tiling, input: x, first: first, count: count,
                                                                   planeTiles: count, into: v)
                            for xi in 0..<16 {
                                SIMDGEMM.multiply(m: count, source: .matrix(v + xi * count * cin, lda: cin),
                                                  packed: kernel.matrices[xi], c: m + xi * count * cout, ldc: cout,
                                                  epilogue: GEMMEpilogue(), threads: 1)
                            }
                            WinogradTransforms.transformOutputTiles(tiling, products: m, first: first, count: count,
                                                                    planeTiles: count, bias: bias, residual: residual,
                                                                    activation: layer.activation, into: y)
                        }
                    }
                }
            }
        })
    }
}

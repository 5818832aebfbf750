import MirrorCore

/// `∂L/∂x` of an ungrouped convolution as GEMM + col2im, the frame shared by the SIMD and BLAS
/// engines (each passes its own GEMM): the column matrix `gradOutput · Wᵀ` (`[pixels, kh·kw·cin]`,
/// W the HWIO kernel read as `[kh·kw·cin, cout]`) is computed chunk by chunk in each worker's
/// scratch and scattered back with `Col2im`.
///
/// Block budget: a chunk holds at most `2¹⁸` column floats (1 MiB per worker) and at least 16
/// pixels (`16·K` floats for longer patches), so a 24-image batch never materialises its whole
/// column matrix (for a 3×3 layer on 24×56×56×64 that would be 43 M floats, 173 MB).
///
/// Race-free without locks or per-thread copies: each image's output rows are cut into bands of
/// `R ≥ ⌈(kh − s)/s⌉` rows, so that the input rows read by band `b` and by band `b + 2` never
/// overlap; even bands run in parallel first, then odd bands. Every input element therefore
/// receives its contributions in a fixed order (band, then pixel, then tap) whatever the thread
/// count: results are deterministic and thread-count invariant for a deterministic GEMM.
public enum ConvolutionInputGradient {
    /// Column floats per worker chunk.
    public static let chunkBudget = 1 << 18

    /// `product(dy, rows, columns)` must write `columns[rows × K] = dy[rows × cout] · Wᵀ` (row
    /// strides K and cout) on the calling thread.
    public static func run(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int,
                           product: (_ gradOutput: UnsafePointer<Float>, _ rows: Int,
                                     _ columns: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        precondition(layer.groups == 1, "ConvolutionInputGradient handles ungrouped convolutions")
        let g = layer.geometry(inputShape: inputShape)
        g.checkGradientOutput(gradOutput)
        let k = g.patchLength, cout = g.outputChannels
        let (outHeight, outWidth) = (g.outputHeight, g.outputWidth)
        // Bands at least ⌈(kh − s)/s⌉ rows tall (no overlap two bands apart) and ~256 pixels.
        let minimumRows = max(1, (g.kernelHeight - g.stride + g.stride - 1) / g.stride)
        let bandRows = max(minimumRows, min(outHeight, (256 + outWidth - 1) / max(outWidth, 1)))
        let bandsPerImage = (outHeight + bandRows - 1) / bandRows
        let chunkPixels = max(16, chunkBudget / k)
        return Tensor(shape: inputShape, initializingWith: { out in
            guard let dx = out.baseAddress else { return }
            Parallel.forRanges(total: out.count, grain: 1 << 16, threads: threads) { range in
                (dx + range.lowerBound).update(repeating: 0, count: range.count)
            }
            guard g.outputPixels > 0 else { return }
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                let dy = dyBuffer.baseAddress!
                let scratchFloats = min(chunkPixels, bandRows * outWidth) * k
                for phase in 0..<2 {
                    let bands = (bandsPerImage + 1 - phase) / 2
                    Parallel.forEach(count: g.batch * bands, threads: threads,
                                     makeState: { AlignedBuffer(count: scratchFloats) }) { scratch, item in
                        let n = item / bands, band = (item % bands) * 2 + phase
                        let firstRow = (n * outHeight + band * bandRows) * outWidth
                        let endRow = (n * outHeight + min(outHeight, (band + 1) * bandRows)) * outWidth
                        var row = firstRow
                        while row < endRow {
                            let count = min(chunkPixels, endRow - row)
                            product(dy + row * cout, count, scratch.pointer)
                            Col2im.addRows(g, columns: scratch.pointer, ld: k, firstRow: row, count: count, into: dx)
                            row += count
                        }
                    }
                }
            }
        })
    }
}

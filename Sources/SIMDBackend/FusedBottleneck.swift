import MirrorCore

/// An `InvertedBottleneck` run band by band, so the widened tensor never goes to memory.
///
/// Each image's output rows are cut into a few contiguous pieces shared out to the workers.
/// A worker walks its piece in bands of `bandRows` output rows. For a band it runs the expand
/// GEMM on the input rows the band's depthwise window needs and has not got yet, into a ring of
/// `windowRows` widened rows (row `iy` in slot `iy mod windowRows`, so rows shared with the
/// previous band are neither recomputed nor moved); then the depthwise kernel writes the band's
/// rows into a second buffer, and the project GEMM turns those into the block's output rows,
/// adding the shortcut in its epilogue. Only the first band of a piece recomputes rows (its
/// `kh − stride` halo rows), which is why pieces are few.
///
/// The arithmetic of every element is that of the split layers (same GEMM and depthwise
/// kernels), so results agree with `InvertedBottleneck.composed` to rounding (the BLAS GEMM
/// may block K differently for a smaller M).
///
/// Fusing pays only while a band's buffers stay cache-sized and its GEMMs keep enough rows to
/// reuse the weights: `plan` declines otherwise (Lite0 at 896: blocks 0–8 fuse, the 56×56×672
/// and 28×28 blocks run split, their tensors being L3-sized anyway).
public enum FusedBottleneck {
    /// A single-threaded 1×1 stride-1 layer with its epilogue on `rows` contiguous pixels:
    /// `c = act(a·W + bias [+ residual])`, `a` `[rows, cin]`, `c` and `residual` `[rows, cout]`.
    public typealias Pointwise = (_ layer: ConvolutionLayer, _ a: UnsafePointer<Float>, _ rows: Int,
                                  _ c: UnsafeMutablePointer<Float>, _ residual: UnsafePointer<Float>?) -> Void

    /// Scratch per worker, in floats (1.25 MiB: the widened ring plus the depthwise band, about
    /// one core's L2 on the machines we measured, 1 MiB L2 per core).
    static let scratchBudget = 320 * 1024
    /// Fewest pixels per GEMM call: below this the weights are reloaded too often per row.
    static let minimumGEMMRows = 192

    /// How a block is cut: output rows per band, widened rows kept, pieces per image.
    struct Plan: Equatable {
        var bandRows: Int
        var windowRows: Int
        var piecesPerImage: Int
    }

    /// The cut for a block whose depthwise layer has geometry `g`, or nil when fusing does not
    /// pay. `bandRows` forces a band height (tests use it to exercise ring wrap-around).
    static func plan(_ g: ConvolutionGeometry, expands: Bool, threads: Int, bandRows forced: Int? = nil) -> Plan? {
        guard g.outputHeight > 0 && g.outputWidth > 0 else { return nil }
        let bandRows = min(g.outputHeight, forced ?? (minimumGEMMRows + g.outputWidth - 1) / g.outputWidth)
        let windowRows = min(g.inputHeight, (bandRows - 1) * g.stride + g.kernelHeight)
        let channels = g.inputChannels
        let scratch = (expands ? windowRows * g.inputWidth * channels : 0) + bandRows * g.outputWidth * channels
        guard forced != nil || scratch <= scratchBudget else { return nil }
        // Enough pieces for every worker (two each on long images, for balance), each at least
        // four bands long so the first band's recomputed rows stay a small share.
        let bands = (g.outputHeight + bandRows - 1) / bandRows
        var pieces = 1
        if g.batch < 2 * threads {
            pieces = min(bands, threads * max(1, min(2, bands / (4 * threads))))
        }
        return Plan(bandRows: bandRows, windowRows: windowRows, piecesPerImage: pieces)
    }

    /// The block's output, or nil when `plan` declines (the caller then runs it split).
    public static func run(_ input: Tensor, _ block: InvertedBottleneck, threads: Int, bandRows: Int? = nil,
                           pointwise: Pointwise) -> Tensor? {
        precondition(input.rank == 4 && input.shape[3] == block.inputChannels,
                     "block input \(input.shape) does not have \(block.inputChannels) channels")
        let channels = block.depthwise.inputChannels
        let g = block.depthwise.geometry(inputShape: [input.shape[0], input.shape[1], input.shape[2], channels])
        precondition(!block.addsInput || (g.outputHeight == g.inputHeight && g.outputWidth == g.inputWidth),
                     "the identity shortcut needs the output shape \(g.outputShape) to equal the input's")
        guard let plan = plan(g, expands: block.expand != nil, threads: threads, bandRows: bandRows) else { return nil }
        let cin = block.inputChannels, cout = block.project.outputChannels
        let inputRowFloats = g.inputWidth * cin, widenedRowFloats = g.inputWidth * channels
        let ringFloats = block.expand == nil ? 0 : plan.windowRows * widenedRowFloats
        let bandFloats = plan.bandRows * g.outputWidth * channels
        let rowsPerPiece = (g.outputHeight + plan.piecesPerImage - 1) / plan.piecesPerImage
        return Tensor(shape: [g.batch, g.outputHeight, g.outputWidth, cout], initializingWith: { out in
            input.data.withUnsafeBufferPointer { xBuffer in
                block.depthwise.kernel.data.withUnsafeBufferPointer { wBuffer in
                    block.depthwise.withBias { bias in
                        let x = xBuffer.baseAddress!, w = wBuffer.baseAddress!
                        let y = out.baseAddress!
                        Parallel.forEach(count: g.batch * plan.piecesPerImage, threads: threads,
                                         makeState: { AlignedBuffer(count: ringFloats + bandFloats) }) { scratch, item in
                            let n = item / plan.piecesPerImage, piece = item % plan.piecesPerImage
                            let first = piece * rowsPerPiece, end = min(g.outputHeight, first + rowsPerPiece)
                            guard first < end else { return }
                            let image = x + n * g.inputHeight * inputRowFloats
                            let ring = scratch.pointer, band = scratch.pointer + ringFloats
                            /// Where widened input row `iy` is: in the ring, or the input itself without expand.
                            let widenedRow: (Int) -> UnsafePointer<Float> = block.expand == nil
                                ? { image + $0 * inputRowFloats }
                                : { UnsafePointer(ring + ($0 % plan.windowRows) * widenedRowFloats) }
                            var ready = 0..<0   // widened rows present in the ring
                            for bandStart in stride(from: first, to: end, by: plan.bandRows) {
                                let bandEnd = min(end, bandStart + plan.bandRows)
                                let needed = max(0, bandStart * g.stride - g.padTop)
                                    ..< min(g.inputHeight, (bandEnd - 1) * g.stride - g.padTop + g.kernelHeight)
                                if let expand = block.expand {
                                    var next = ready.isEmpty || ready.upperBound <= needed.lowerBound
                                        ? needed.lowerBound : ready.upperBound
                                    // New rows go to consecutive slots, split where the ring wraps.
                                    while next < needed.upperBound {
                                        let slot = next % plan.windowRows
                                        let count = min(needed.upperBound - next, plan.windowRows - slot)
                                        pointwise(expand, image + next * inputRowFloats, count * g.inputWidth,
                                                  ring + slot * widenedRowFloats, nil)
                                        next += count
                                    }
                                    ready = needed
                                }
                                DepthwiseConvolution.rows(g, bandStart..<bandEnd, inputRow: widenedRow, weights: w,
                                                          bias: bias, residual: nil, output: band,
                                                          activation: block.depthwise.activation)
                                let offset = ((n * g.outputHeight + bandStart) * g.outputWidth) * cout
                                pointwise(block.project, UnsafePointer(band), (bandEnd - bandStart) * g.outputWidth,
                                          y + offset, block.addsInput ? x + offset : nil)
                            }
                        }
                    }
                }
            }
        })
    }
}

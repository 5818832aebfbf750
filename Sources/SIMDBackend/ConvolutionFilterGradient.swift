import MirrorCore

/// `∂L/∂w` and `∂L/∂b` of an ungrouped convolution, `im2col(x)ᵀ · gradOutput` reduced over
/// every output pixel of the batch: the frame shared by the SIMD and BLAS engines (each passes
/// its own product).
///
/// Blocks: pixels go in chunks of at most `2¹⁸/K` (clamped to 16…1024) rows, whose im2col rows
/// (1 MiB per worker; none for a 1×1 stride-1 layer, whose NHWC input is read in place) feed one
/// product `partial[K × cout] += chunkᵀ · gradOutput[chunk]`.
///
/// Deterministic: the chunks are split into at most 8 contiguous slabs, a number that depends on
/// the shape only; each slab sums its chunks in order into its own partial `[K × cout]`, and the
/// partials are added in slab order at the end. Partials are capped at `2²³` floats (32 MiB) in
/// all. When there are fewer slabs than two per thread (large kernels), the rows of each slab's
/// partial are also split into blocks (multiples of 6), items `(slab, row block)`, which changes
/// no sum. Bias sums go through Double per chunk.
public enum ConvolutionFilterGradient {
    public static let chunkBudget = 1 << 18
    public static let partialBudget = 1 << 23
    public static let maximumSlabs = 8

    /// `product(a, lda, rows, kRange, dy, partial, scratch)` must add, on the calling thread,
    /// `a[rows × K][:, kRange]ᵀ · dy[rows × cout]` to rows `kRange` of `partial` (`[K × cout]`,
    /// pointer at row 0). `scratch` has `productScratch(rows)` floats (nil for 0).
    public static func run(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer, threads: Int,
                           productScratch: (_ rows: Int) -> Int,
                           product: (_ a: UnsafePointer<Float>, _ lda: Int, _ rows: Int, _ kRange: Range<Int>,
                                     _ gradOutput: UnsafePointer<Float>, _ partial: UnsafeMutablePointer<Float>,
                                     _ scratch: UnsafeMutablePointer<Float>?) -> Void) -> ConvolutionGradients {
        precondition(layer.groups == 1, "ConvolutionFilterGradient handles ungrouped convolutions")
        let g = layer.geometry(inputShape: input.shape)
        g.checkGradientOutput(gradOutput)
        let k = g.patchLength, cout = g.outputChannels, m = g.outputPixels
        let inPlace = layer.isPointwise && g.stride == 1
        let chunkRows = min(1024, max(16, chunkBudget / k))
        let chunks = (m + chunkRows - 1) / chunkRows
        let slabs = max(1, min(maximumSlabs, chunks, partialBudget / (k * cout)))
        var blockRows = k
        if slabs < 2 * threads {
            let blocks = min((2 * threads + slabs - 1) / slabs, max(1, k / 48))
            blockRows = ((k + blocks - 1) / blocks + 5) / 6 * 6
        }
        let blocks = (k + blockRows - 1) / blockRows
        let partials = AlignedBuffer(count: slabs * k * cout)
        var biasPartials = [Double](repeating: 0, count: slabs * cout)
        Parallel.forRanges(total: slabs * k * cout, grain: 1 << 16, threads: threads) { range in
            (partials.pointer + range.lowerBound).update(repeating: 0, count: range.count)
        }
        input.data.withUnsafeBufferPointer { xBuffer in
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                biasPartials.withUnsafeMutableBufferPointer { biasBuffer in
                    let x = xBuffer.baseAddress!, dy = dyBuffer.baseAddress!, biasSums = biasBuffer.baseAddress!
                    let extra = productScratch(chunkRows)
                    let makeState = {
                        (im2col: inPlace ? nil : AlignedBuffer(count: chunkRows * k),
                         product: extra > 0 ? AlignedBuffer(count: extra) : nil)
                    }
                    Parallel.forEach(count: slabs * blocks, threads: threads, makeState: makeState) { state, item in
                        let slab = item / blocks, block = item % blocks
                        let kRange = block * blockRows..<min(k, (block + 1) * blockRows)
                        let partial = partials.pointer + slab * k * cout
                        for chunk in (slab * chunks / slabs)..<((slab + 1) * chunks / slabs) {
                            let firstRow = chunk * chunkRows, rows = min(chunkRows, m - firstRow)
                            let a: UnsafePointer<Float>, lda: Int
                            if let scratch = state.im2col {
                                Im2col.copyRows(g, input: x, firstRow: firstRow, count: rows, into: scratch.pointer, ld: k)
                                (a, lda) = (UnsafePointer(scratch.pointer), k)
                            } else {
                                (a, lda) = (x + firstRow * g.inputChannels, g.inputChannels)
                            }
                            product(a, lda, rows, kRange, dy + firstRow * cout, partial, state.product?.pointer)
                            if block == 0 { addColumnSums(dy + firstRow * cout, rows: rows, columns: cout, into: biasSums + slab * cout) }
                        }
                    }
                }
            }
        }
        let kernel = Tensor(shape: layer.kernel.shape, initializingWith: { out in
            Parallel.forRanges(total: k * cout, grain: 1 << 14, threads: threads) { range in
                for i in range {
                    var sum = partials.pointer[i]
                    for slab in 1..<slabs { sum += partials.pointer[slab * k * cout + i] }
                    out[i] = sum
                }
            }
        })
        let bias = (0..<cout).map { c in Float((0..<slabs).reduce(0.0) { $0 + biasPartials[$1 * cout + c] }) }
        return ConvolutionGradients(kernel: kernel, bias: bias)
    }

    /// `sums[j] += Σ_r m[r·columns + j]`: a Float vector sum over the chunk's rows, added once
    /// per chunk to the Double total (so the long sum over a batch keeps Double accuracy).
    static func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Double>) {
        var j = 0
        while j + 16 <= columns {
            var v = SIMD16<Float>()
            for r in 0..<rows { v += UnsafeRawPointer(m + r * columns + j).loadUnaligned(as: SIMD16<Float>.self) }
            for lane in 0..<16 { sums[j + lane] += Double(v[lane]) }
            j += 16
        }
        while j < columns {
            var s: Float = 0
            for r in 0..<rows { s += m[r * columns + j] }
            sums[j] += Double(s)
            j += 1
        }
    }
}

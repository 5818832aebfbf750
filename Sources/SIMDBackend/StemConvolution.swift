import MirrorCore

/// Direct convolution for layers with few input channels: the networks' RGB stems (ResNet's and
/// GoogLeNet's `conv1` 7×7/2 after the seed's 3-pixel pad, Lite0's `stem` 3×3/2). There im2col +
/// GEMM does poorly: K is only `kh·kw·3` (147 or 27), so the patch matrix is 16–49× the size of
/// the input and the GEMM is too shallow to reach its peak.
///
/// Each input value is broadcast and multiplied into 32 output channels (two `SIMD16` vectors)
/// of four neighbouring output pixels at once: eight independent accumulators hide the FMA
/// latency, and each weight pair loaded serves four pixels. Wider layers take 32 channels per
/// pass. Pixels whose window crosses the left or right edge go one at a time over their valid
/// taps; rows outside the image are skipped. Sums start from the bias, add the taps in
/// `(ky, kx, ci)` order, then the residual, then the activation.
public enum StemConvolution {
    typealias Vector = SIMD16<Float>

    /// Taken for ungrouped convolutions with at most this many input channels and output
    /// channels in multiples of 32.
    static let maximumInputChannels = 4

    public static func applies(to layer: ConvolutionLayer) -> Bool {
        layer.groups == 1 && layer.inputChannels <= maximumInputChannels && layer.outputChannels % 32 == 0
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int) -> Tensor {
        precondition(applies(to: layer), "not a few-input-channel convolution")
        let interior = layer.geometry(inputShape: input.shape).interiorOutputColumns
        return OutputRows.run(input, layer, residual: residual, threads: threads) { g, row in
            let cout = g.outputChannels
            let kernelRows = KernelRows(g, image: row.image, firstInputRow: row.oy * g.stride - g.padTop,
                                        rows: g.kernelRows(outputRow: row.oy))
            var ox = 0
            while ox < g.outputWidth {
                let target = Target(y: row.output + ox * cout, residual: row.residual.map { $0 + ox * cout },
                                    activation: layer.activation, outputChannels: cout)
                if interior.contains(ox) && ox + 4 <= interior.upperBound {
                    fourPixels(g, kernelRows, ox: ox, w: row.weights, bias: row.bias, target)
                    ox += 4
                } else {
                    onePixel(g, kernelRows, ox: ox, w: row.weights, bias: row.bias, target)
                    ox += 1
                }
            }
        }
    }

    /// The input rows one output row reads: kernel rows `rows` of the window starting at input
    /// row `firstInputRow`.
    struct KernelRows {
        let image: UnsafePointer<Float>
        let firstInputRow: Int
        let rows: Range<Int>
        let rowFloats: Int

        init(_ g: ConvolutionGeometry, image: UnsafePointer<Float>, firstInputRow: Int, rows: Range<Int>) {
            self.image = image
            self.firstInputRow = firstInputRow
            self.rows = rows
            rowFloats = g.inputWidth * g.inputChannels
        }

        /// Input column `ix` of kernel row `ky`.
        @inline(__always) func pixel(_ ky: Int, _ ix: Int, channels: Int) -> UnsafePointer<Float> {
            image + (firstInputRow + ky) * rowFloats + ix * channels
        }
    }

    /// Where an output pixel's channels go, with their epilogue.
    struct Target {
        let y: UnsafeMutablePointer<Float>
        let residual: UnsafePointer<Float>?
        let activation: Activation
        let outputChannels: Int

        @inline(__always) func store(_ value: Vector, pixel: Int, channel: Int) {
            let index = pixel * outputChannels + channel
            var v = value
            if let residual { v += UnsafeRawPointer(residual + index).loadUnaligned(as: Vector.self) }
            UnsafeMutableRawPointer(y + index).storeBytes(of: VectorActivation.apply(activation, v), as: Vector.self)
        }
    }

    /// Output pixels `ox..<ox+4`, all of whose taps lie inside the row.
    @inline(__always)
    private static func fourPixels(_ g: ConvolutionGeometry, _ rows: KernelRows, ox: Int, w: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>, _ target: Target) {
        let cin = g.inputChannels, cout = g.outputChannels, kw = g.kernelWidth
        let ix0 = ox * g.stride - g.padLeft, step = g.stride * cin
        for c in stride(from: 0, to: cout, by: 32) {
            let b0 = UnsafeRawPointer(bias + c).loadUnaligned(as: Vector.self)
            let b1 = UnsafeRawPointer(bias + c + 16).loadUnaligned(as: Vector.self)
            var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
            for ky in rows.rows {
                for kx in 0..<kw {
                    let xs = rows.pixel(ky, ix0 + kx, channels: cin)
                    let ws = w + (ky * kw + kx) * cin * cout + c
                    for ci in 0..<cin {
                        let w0 = UnsafeRawPointer(ws + ci * cout).loadUnaligned(as: Vector.self)
                        let w1 = UnsafeRawPointer(ws + ci * cout + 16).loadUnaligned(as: Vector.self)
                        let x0 = Vector(repeating: xs[ci]), x1 = Vector(repeating: xs[step + ci])
                        let x2 = Vector(repeating: xs[2 * step + ci]), x3 = Vector(repeating: xs[3 * step + ci])
                        a00 = a00.addingProduct(x0, w0); a01 = a01.addingProduct(x0, w1)
                        a10 = a10.addingProduct(x1, w0); a11 = a11.addingProduct(x1, w1)
                        a20 = a20.addingProduct(x2, w0); a21 = a21.addingProduct(x2, w1)
                        a30 = a30.addingProduct(x3, w0); a31 = a31.addingProduct(x3, w1)
                    }
                }
            }
            target.store(a00, pixel: 0, channel: c); target.store(a01, pixel: 0, channel: c + 16)
            target.store(a10, pixel: 1, channel: c); target.store(a11, pixel: 1, channel: c + 16)
            target.store(a20, pixel: 2, channel: c); target.store(a21, pixel: 2, channel: c + 16)
            target.store(a30, pixel: 3, channel: c); target.store(a31, pixel: 3, channel: c + 16)
        }
    }

    /// One output pixel over its valid taps (windows crossing the left or right edge).
    @inline(__always)
    private static func onePixel(_ g: ConvolutionGeometry, _ rows: KernelRows, ox: Int, w: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, _ target: Target) {
        let cin = g.inputChannels, cout = g.outputChannels, kw = g.kernelWidth
        let ix0 = ox * g.stride - g.padLeft
        let columns = g.kernelColumns(outputColumn: ox)
        for c in stride(from: 0, to: cout, by: 32) {
            var a0 = UnsafeRawPointer(bias + c).loadUnaligned(as: Vector.self)
            var a1 = UnsafeRawPointer(bias + c + 16).loadUnaligned(as: Vector.self)
            for ky in rows.rows {
                for kx in columns {
                    let xs = rows.pixel(ky, ix0 + kx, channels: cin)
                    let ws = w + (ky * kw + kx) * cin * cout + c
                    for ci in 0..<cin {
                        let xv = Vector(repeating: xs[ci])
                        a0 = a0.addingProduct(xv, UnsafeRawPointer(ws + ci * cout).loadUnaligned(as: Vector.self))
                        a1 = a1.addingProduct(xv, UnsafeRawPointer(ws + ci * cout + 16).loadUnaligned(as: Vector.self))
                    }
                }
            }
            target.store(a0, pixel: 0, channel: c)
            target.store(a1, pixel: 0, channel: c + 16)
        }
    }
}

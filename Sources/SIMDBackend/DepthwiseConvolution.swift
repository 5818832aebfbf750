import MirrorCore

/// Direct depthwise convolution (`groups == cin == cout`, kernel `[kh, kw, 1, C]`) vectorised
/// over channels: NHWC keeps a pixel's channels contiguous and the HWIO kernel keeps a tap's
/// channels contiguous, so each tap is one `SIMD16<Float>` FMA per 16 channels. Interior pixels
/// (no padding taps) go in groups of four that share each weight load; edge pixels accumulate
/// four channel vectors (64 channels) together, then one vector, then scalars. Sums start from
/// the bias and add taps in `(ky, kx)` order, then the residual element if any, on both paths.
/// Output rows `(n, oy)` are split over threads. GEMM does not pay here (K = kh·kw per group).
enum DepthwiseConvolution {
    typealias Vector = SIMD16<Float>

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor? = nil, threads: Int) -> Tensor {
        precondition(layer.isDepthwise, "not a depthwise convolution")
        return OutputRows.run(input, layer, residual: residual, threads: threads) { g, row in
            let rowFloats = g.inputWidth * g.inputChannels
            rows(g, row.oy..<row.oy + 1, inputRow: { row.image + $0 * rowFloats }, weights: row.weights, bias: row.bias,
                 residual: row.residual, output: row.output, activation: layer.activation)
        }
    }

    /// Output rows `outputRows` of one image, written from `output` on (row-major, `outW·C` per
    /// row); `residual` is laid out like `output`. `inputRow(iy)` locates input row `iy` (`W·C`
    /// floats); it is asked only for rows the range reads, so a fused block can keep just a
    /// window of rows it produced, in a ring.
    static func rows(_ g: ConvolutionGeometry, _ outputRows: Range<Int>, inputRow: (Int) -> UnsafePointer<Float>,
                     weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                     output: UnsafeMutablePointer<Float>, activation: Activation) {
        let channels = g.inputChannels
        let interior = g.interiorOutputColumns
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: g.kernelHeight) { taps in
            for oy in outputRows {
                // Kernel row ky reads input row iy0 + ky; slots of rows outside the image are never
                // read (an all-padding row, possible with explicit pads, reads none: bias only).
                let iy0 = oy * g.stride - g.padTop
                let valid = g.kernelRows(outputRow: oy)
                let ky0 = valid.lowerBound, ky1 = valid.upperBound
                for ky in 0..<g.kernelHeight { taps[ky] = valid.isEmpty ? bias : inputRow(iy0 + min(max(ky, ky0), ky1 - 1)) }
                let taps = UnsafePointer(taps.baseAddress!)
                let rowOffset = (oy - outputRows.lowerBound) * g.outputWidth * channels
                func edge(_ ox: Int) {
                    let offset = rowOffset + ox * channels
                    pixel(g, ox: ox, taps: taps, ky0: ky0, ky1: ky1, w: weights, bias: bias,
                          residual: residual.map { $0 + offset }, y: output + offset, activation: activation)
                }
                // Interior pixels (every tap inside the row) in groups; the rest one by one.
                var ox = 0
                while ox < interior.lowerBound { edge(ox); ox += 1 }
                while ox + groupPixels <= interior.upperBound {
                    let offset = rowOffset + ox * channels
                    interiorGroup(g, ox: ox, taps: taps, ky0: ky0, ky1: ky1, w: weights, bias: bias,
                                  residual: residual.map { $0 + offset }, y: output + offset, activation: activation)
                    ox += groupPixels
                }
                while ox < g.outputWidth { edge(ox); ox += 1 }
            }
        }
    }

    /// Output pixels per interior group: each weight vector loaded serves them all, so a tap costs
    /// 1.25 loads per fused multiply-add instead of 2 (the kernel is load-bound, not FMA-bound).
    static let groupPixels = 4

    /// Interior output pixels `ox..<ox+4` of a row: the same sums, in the same order, as `pixel`
    /// (bias, taps in `(ky, kx)` order by FMA, residual, activation), so results are identical.
    @inline(__always)
    private static func interiorGroup(_ g: ConvolutionGeometry, ox: Int, taps: UnsafePointer<UnsafePointer<Float>>,
                                      ky0: Int, ky1: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                      residual: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                                      activation: Activation) {
        let channels = g.inputChannels, kw = g.kernelWidth
        let step = g.stride * channels * 4   // bytes between neighbouring pixels' windows
        let pixelBytes = channels * 4
        let ix0 = ox * g.stride - g.padLeft
        var c = 0
        while c + 16 <= channels {
            let b = UnsafeRawPointer(bias + c).loadUnaligned(as: Vector.self)
            var a0 = b, a1 = b, a2 = b, a3 = b
            for ky in ky0..<ky1 {
                let row = UnsafeRawPointer(taps[ky] + ix0 * channels + c)
                let weights = UnsafeRawPointer(w + ky * kw * channels + c)
                for kx in 0..<kw {
                    let wv = weights.loadUnaligned(fromByteOffset: kx * pixelBytes, as: Vector.self)
                    let x = row + kx * pixelBytes
                    a0 = a0.addingProduct(x.loadUnaligned(as: Vector.self), wv)
                    a1 = a1.addingProduct(x.loadUnaligned(fromByteOffset: step, as: Vector.self), wv)
                    a2 = a2.addingProduct(x.loadUnaligned(fromByteOffset: 2 * step, as: Vector.self), wv)
                    a3 = a3.addingProduct(x.loadUnaligned(fromByteOffset: 3 * step, as: Vector.self), wv)
                }
            }
            if let residual {
                let r = UnsafeRawPointer(residual + c)
                a0 += r.loadUnaligned(as: Vector.self)
                a1 += r.loadUnaligned(fromByteOffset: pixelBytes, as: Vector.self)
                a2 += r.loadUnaligned(fromByteOffset: 2 * pixelBytes, as: Vector.self)
                a3 += r.loadUnaligned(fromByteOffset: 3 * pixelBytes, as: Vector.self)
            }
            let out = UnsafeMutableRawPointer(y + c)
            out.storeBytes(of: VectorActivation.apply(activation, a0), as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a1), toByteOffset: pixelBytes, as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a2), toByteOffset: 2 * pixelBytes, as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a3), toByteOffset: 3 * pixelBytes, as: Vector.self)
            c += 16
        }
        while c < channels {
            for p in 0..<groupPixels {
                var sum = bias[c]
                for ky in ky0..<ky1 {
                    for kx in 0..<kw {
                        sum = sum.addingProduct(taps[ky][(ix0 + p * g.stride + kx) * channels + c],
                                                w[(ky * kw + kx) * channels + c])
                    }
                }
                if let residual { sum += residual[p * channels + c] }
                y[p * channels + c] = activation.apply(sum)
            }
            c += 1
        }
    }

    /// All channels of output pixel `ox` of a row whose kernel rows `ky0..<ky1` read `taps[ky]`.
    @inline(__always)
    private static func pixel(_ g: ConvolutionGeometry, ox: Int, taps: UnsafePointer<UnsafePointer<Float>>,
                              ky0: Int, ky1: Int, w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                              residual: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, activation: Activation) {
        let channels = g.inputChannels
        let ix0 = ox * g.stride - g.padLeft
        let columns = g.kernelColumns(outputColumn: ox)
        @inline(__always) func tapInput(_ ky: Int, _ kx: Int) -> UnsafeRawPointer {
            UnsafeRawPointer(taps[ky] + (ix0 + kx) * channels)
        }
        @inline(__always) func tapWeight(_ ky: Int, _ kx: Int) -> UnsafeRawPointer {
            UnsafeRawPointer(w + (ky * g.kernelWidth + kx) * channels)
        }
        var c = 0
        while c + 64 <= channels {
            let offset = c * 4
            let b = UnsafeRawPointer(bias)
            var a0 = b.loadUnaligned(fromByteOffset: offset, as: Vector.self)
            var a1 = b.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self)
            var a2 = b.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self)
            var a3 = b.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self)
            for ky in ky0..<ky1 {
                for kx in columns {
                    let xi = tapInput(ky, kx), wi = tapWeight(ky, kx)
                    a0 = a0.addingProduct(xi.loadUnaligned(fromByteOffset: offset, as: Vector.self),
                                          wi.loadUnaligned(fromByteOffset: offset, as: Vector.self))
                    a1 = a1.addingProduct(xi.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self),
                                          wi.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self))
                    a2 = a2.addingProduct(xi.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self),
                                          wi.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self))
                    a3 = a3.addingProduct(xi.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self),
                                          wi.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self))
                }
            }
            if let residual {
                let r = UnsafeRawPointer(residual)
                a0 += r.loadUnaligned(fromByteOffset: offset, as: Vector.self)
                a1 += r.loadUnaligned(fromByteOffset: offset + 64, as: Vector.self)
                a2 += r.loadUnaligned(fromByteOffset: offset + 128, as: Vector.self)
                a3 += r.loadUnaligned(fromByteOffset: offset + 192, as: Vector.self)
            }
            let out = UnsafeMutableRawPointer(y)
            out.storeBytes(of: VectorActivation.apply(activation, a0), toByteOffset: offset, as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a1), toByteOffset: offset + 64, as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a2), toByteOffset: offset + 128, as: Vector.self)
            out.storeBytes(of: VectorActivation.apply(activation, a3), toByteOffset: offset + 192, as: Vector.self)
            c += 64
        }
        while c + 16 <= channels {
            let offset = c * 4
            var a0 = UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: offset, as: Vector.self)
            for ky in ky0..<ky1 {
                for kx in columns {
                    a0 = a0.addingProduct(tapInput(ky, kx).loadUnaligned(fromByteOffset: offset, as: Vector.self),
                                          tapWeight(ky, kx).loadUnaligned(fromByteOffset: offset, as: Vector.self))
                }
            }
            if let residual { a0 += UnsafeRawPointer(residual).loadUnaligned(fromByteOffset: offset, as: Vector.self) }
            UnsafeMutableRawPointer(y).storeBytes(of: VectorActivation.apply(activation, a0), toByteOffset: offset,
                                                  as: Vector.self)
            c += 16
        }
        while c < channels {
            var sum = bias[c]
            for ky in ky0..<ky1 {
                for kx in columns {
                    let xi = tapInput(ky, kx).assumingMemoryBound(to: Float.self)
                    let wi = tapWeight(ky, kx).assumingMemoryBound(to: Float.self)
                    sum = sum.addingProduct(xi[c], wi[c])
                }
            }
            if let residual { sum += residual[c] }
            y[c] = activation.apply(sum)
            c += 1
        }
    }
}

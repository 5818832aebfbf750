import MirrorCore

/// Backward passes of a depthwise convolution (`groups == cin == cout`, kernel `[kh, kw, 1, C]`)
/// as direct kernels vectorised over channels, like the forward `DepthwiseConvolution`: with
/// K = kh·kw per channel a GEMM would not pay.
enum DepthwiseBackward {
    typealias Vector = SIMD16<Float>

    /// `∂L/∂x` by gathering: each input pixel sums `gradOutput[oy, ox] · w[ky, kx]` over the taps
    /// `(ky, oy)`, `(kx, ox)` with `oy·s − padTop + ky = iy` (and the same for x) inside the
    /// output, in `(ky, kx)` order, and is written once — no zero fill, no scatter conflicts.
    /// Input rows `(n, iy)` are split over threads; every element's sum is computed by one
    /// thread in a fixed order, so results do not depend on the thread count. Channels go in
    /// blocks of 64 (four accumulators), then 16, then one at a time. Engines use it for strided
    /// layers: a stride-1 layer's input gradient is the forward kernel on the flipped weights
    /// (`TransposedConvolution`), whose interior pixel groups load each weight once per 4 FMAs.
    static func input(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        precondition(layer.isDepthwise, "not a depthwise convolution")
        let g = layer.geometry(inputShape: inputShape)
        g.checkGradientOutput(gradOutput)
        let channels = g.inputChannels, (height, width) = (g.inputHeight, g.inputWidth)
        // Column taps of input column ix: entries tapStart[ix]..<tapStart[ix+1] of (kx, ox), kx
        // ascending (plus one unused entry, so the arrays are never empty).
        var tapStart = [0], tapKernel: [Int] = [], tapOutput: [Int] = []
        for ix in 0..<width {
            for kx in 0..<g.kernelWidth {
                let t = ix + g.padLeft - kx
                if t >= 0 && t % g.stride == 0 && t / g.stride < g.outputWidth {
                    tapKernel.append(kx)
                    tapOutput.append(t / g.stride)
                }
            }
            tapStart.append(tapKernel.count)
        }
        tapKernel.append(0)
        tapOutput.append(0)
        let outRowFloats = g.outputWidth * channels
        return Tensor(shape: inputShape, initializingWith: { out in
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                layer.kernel.data.withUnsafeBufferPointer { wBuffer in
                    tapKernel.withUnsafeBufferPointer { kernelTaps in
                        tapOutput.withUnsafeBufferPointer { outputTaps in
                            let dy = dyBuffer.baseAddress!, w = wBuffer.baseAddress!, dx = out.baseAddress!
                            Parallel.forEach(count: g.batch * height, threads: threads) { row in
                                let n = row / height, iy = row % height
                                // Row taps (ky, oy) of input row iy, ky ascending: the output row and kernel row they read.
                                var rowTaps: [(dy: UnsafePointer<Float>, w: UnsafePointer<Float>)] = []
                                rowTaps.reserveCapacity(g.kernelHeight)
                                for ky in 0..<g.kernelHeight {
                                    let t = iy + g.padTop - ky
                                    if t >= 0 && t % g.stride == 0 && t / g.stride < g.outputHeight {
                                        rowTaps.append((dy + (n * g.outputHeight + t / g.stride) * outRowFloats,
                                                        w + ky * g.kernelWidth * channels))
                                    }
                                }
                                rowTaps.withUnsafeBufferPointer { rowTaps in
                                    for ix in 0..<width {
                                        gatherPixel(rowTaps: rowTaps, columnTaps: tapStart[ix]..<tapStart[ix + 1],
                                                    tapKernel: kernelTaps.baseAddress!, tapOutput: outputTaps.baseAddress!,
                                                    channels: channels, into: dx + (row * width + ix) * channels)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        })
    }

    /// One input pixel's channels: `Σ_{row taps} Σ_{column taps} dyRow[ox·C + c] · wRow[kx·C + c]`.
    @inline(__always)
    private static func gatherPixel(rowTaps: UnsafeBufferPointer<(dy: UnsafePointer<Float>, w: UnsafePointer<Float>)>,
                                    columnTaps: Range<Int>, tapKernel: UnsafePointer<Int>, tapOutput: UnsafePointer<Int>,
                                    channels: Int,
                                    into y: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + 64 <= channels {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            for tap in rowTaps {
                for t in columnTaps {
                    let d = UnsafeRawPointer(tap.dy + tapOutput[t] * channels + c)
                    let k = UnsafeRawPointer(tap.w + tapKernel[t] * channels + c)
                    a0 = a0.addingProduct(d.loadUnaligned(as: Vector.self), k.loadUnaligned(as: Vector.self))
                    a1 = a1.addingProduct(d.loadUnaligned(fromByteOffset: 64, as: Vector.self),
                                          k.loadUnaligned(fromByteOffset: 64, as: Vector.self))
                    a2 = a2.addingProduct(d.loadUnaligned(fromByteOffset: 128, as: Vector.self),
                                          k.loadUnaligned(fromByteOffset: 128, as: Vector.self))
                    a3 = a3.addingProduct(d.loadUnaligned(fromByteOffset: 192, as: Vector.self),
                                          k.loadUnaligned(fromByteOffset: 192, as: Vector.self))
                }
            }
            let out = UnsafeMutableRawPointer(y + c)
            out.storeBytes(of: a0, as: Vector.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: Vector.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: Vector.self)
            out.storeBytes(of: a3, toByteOffset: 192, as: Vector.self)
            c += 64
        }
        while c + 16 <= channels {
            var a0 = Vector()
            for tap in rowTaps {
                for t in columnTaps {
                    a0 = a0.addingProduct(UnsafeRawPointer(tap.dy + tapOutput[t] * channels + c).loadUnaligned(as: Vector.self),
                                          UnsafeRawPointer(tap.w + tapKernel[t] * channels + c).loadUnaligned(as: Vector.self))
                }
            }
            UnsafeMutableRawPointer(y + c).storeBytes(of: a0, as: Vector.self)
            c += 16
        }
        while c < channels {
            var sum: Float = 0
            for tap in rowTaps {
                for t in columnTaps { sum = sum.addingProduct(tap.dy[tapOutput[t] * channels + c], tap.w[tapKernel[t] * channels + c]) }
            }
            y[c] = sum
            c += 1
        }
    }

    /// Output rows per slab of the filter gradient's reduction at most; slabs number
    /// `min(N·outH, 16)` whatever the thread count.
    static let maximumSlabs = 16

    /// `∂L/∂w[ky, kx, c] = Σ x[n, iy, ix, c]·gradOutput[n, oy, ox, c]` and `∂L/∂b[c] = Σ gradOutput`.
    /// For each output row, kernel row and 16-channel block, the `kw` sums of one row live in
    /// registers while the row's pixels pass (one gradient load serves `kw` FMAs) and are then
    /// added to the slab's partial. Output rows are cut into a fixed number of contiguous slabs
    /// (shape-dependent only); partials are added in slab order, so results are deterministic and
    /// thread-count invariant. Bias sums are kept in Double per slab.
    static func filter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer, threads: Int) -> ConvolutionGradients {
        precondition(layer.isDepthwise, "not a depthwise convolution")
        let g = layer.geometry(inputShape: input.shape)
        g.checkGradientOutput(gradOutput)
        precondition(g.kernelWidth <= 7, "depthwise filter gradient supports kernels up to 7 wide")
        let channels = g.inputChannels, taps = g.kernelHeight * g.kernelWidth
        let rows = g.batch * g.outputHeight
        let slabs = max(1, min(rows, maximumSlabs))
        let partials = AlignedBuffer(count: slabs * taps * channels)
        partials.pointer.update(repeating: 0, count: slabs * taps * channels)
        var biasPartials = [Double](repeating: 0, count: slabs * channels)
        input.data.withUnsafeBufferPointer { xBuffer in
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                biasPartials.withUnsafeMutableBufferPointer { biasBuffer in
                    let x = xBuffer.baseAddress!, dy = dyBuffer.baseAddress!, biasSums = biasBuffer.baseAddress!
                    Parallel.forEach(count: slabs, threads: threads) { slab in
                        let partial = partials.pointer + slab * taps * channels
                        for row in (slab * rows / slabs)..<((slab + 1) * rows / slabs) {
                            let n = row / g.outputHeight, oy = row % g.outputHeight
                            let dyRow = dy + row * g.outputWidth * channels
                            ConvolutionFilterGradient.addColumnSums(dyRow, rows: g.outputWidth, columns: channels,
                                                                    into: biasSums + slab * channels)
                            for ky in g.kernelRows(outputRow: oy) {
                                let xRow = x + (n * g.inputHeight + oy * g.stride - g.padTop + ky) * g.inputWidth * channels
                                accumulateRow(g, xRow: xRow, dyRow: dyRow, into: partial + ky * g.kernelWidth * channels)
                            }
                        }
                    }
                }
            }
        }
        let kernel = Tensor(shape: layer.kernel.shape, initializingWith: { out in
            for i in 0..<taps * channels {
                var sum = partials.pointer[i]
                for slab in 1..<slabs { sum += partials.pointer[slab * taps * channels + i] }
                out[i] = sum
            }
        })
        let bias = (0..<channels).map { c in Float((0..<slabs).reduce(0.0) { $0 + biasPartials[$1 * channels + c] }) }
        return ConvolutionGradients(kernel: kernel, bias: bias)
    }

    /// `partial[kx·C + c] += Σ_ox xRow[(ox·s − padLeft + kx)·C + c] · dyRow[ox·C + c]` over the
    /// output columns whose tap `kx` is inside the row (`partial` is kernel row ky's weights).
    @inline(__always)
    private static func accumulateRow(_ g: ConvolutionGeometry, xRow: UnsafePointer<Float>, dyRow: UnsafePointer<Float>,
                                      into partial: UnsafeMutablePointer<Float>) {
        let channels = g.inputChannels, kw = g.kernelWidth, s = g.stride
        let interior = g.interiorOutputColumns
        let pixelBytes = channels * 4
        var c = 0
        while c + 16 <= channels {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector(), a4 = Vector(), a5 = Vector(), a6 = Vector()
            for ox in interior {
                let d = UnsafeRawPointer(dyRow + ox * channels + c).loadUnaligned(as: Vector.self)
                let p = UnsafeRawPointer(xRow + (ox * s - g.padLeft) * channels + c)
                a0 = a0.addingProduct(p.loadUnaligned(as: Vector.self), d)
                if kw > 1 { a1 = a1.addingProduct(p.loadUnaligned(fromByteOffset: pixelBytes, as: Vector.self), d) }
                if kw > 2 { a2 = a2.addingProduct(p.loadUnaligned(fromByteOffset: 2 * pixelBytes, as: Vector.self), d) }
                if kw > 3 { a3 = a3.addingProduct(p.loadUnaligned(fromByteOffset: 3 * pixelBytes, as: Vector.self), d) }
                if kw > 4 { a4 = a4.addingProduct(p.loadUnaligned(fromByteOffset: 4 * pixelBytes, as: Vector.self), d) }
                if kw > 5 { a5 = a5.addingProduct(p.loadUnaligned(fromByteOffset: 5 * pixelBytes, as: Vector.self), d) }
                if kw > 6 { a6 = a6.addingProduct(p.loadUnaligned(fromByteOffset: 6 * pixelBytes, as: Vector.self), d) }
            }
            // Edge columns: only the taps inside the row.
            for ox in 0..<g.outputWidth where !interior.contains(ox) {
                let d = UnsafeRawPointer(dyRow + ox * channels + c).loadUnaligned(as: Vector.self)
                for kx in g.kernelColumns(outputColumn: ox) {
                    let v = UnsafeRawPointer(xRow + (ox * s - g.padLeft + kx) * channels + c).loadUnaligned(as: Vector.self) * d
                    switch kx {
                    case 0: a0 += v
                    case 1: a1 += v
                    case 2: a2 += v
                    case 3: a3 += v
                    case 4: a4 += v
                    case 5: a5 += v
                    default: a6 += v
                    }
                }
            }
            @inline(__always) func flush(_ sum: Vector, _ kx: Int) {
                guard kx < kw else { return }
                let target = UnsafeMutableRawPointer(partial + kx * channels + c)
                target.storeBytes(of: target.loadUnaligned(as: Vector.self) + sum, as: Vector.self)
            }
            flush(a0, 0); flush(a1, 1); flush(a2, 2); flush(a3, 3); flush(a4, 4); flush(a5, 5); flush(a6, 6)
            c += 16
        }
        while c < channels {
            for ox in 0..<g.outputWidth {
                let d = dyRow[ox * channels + c]
                for kx in g.kernelColumns(outputColumn: ox) {
                    partial[kx * channels + c] = partial[kx * channels + c].addingProduct(xRow[(ox * s - g.padLeft + kx) * channels + c], d)
                }
            }
            c += 1
        }
    }
}

import MirrorCore

extension NaiveKernels {
    /// `∂L/∂x` of a convolution straight from the forward definition (see `ConvolutionLayer`):
    /// every product `gradOutput[n,oy,ox,co] · w[ky,kx,ci,co]` is added, in Double, to the input
    /// cell that output read through tap `(ky, kx)` — taps in the padding read nothing and so
    /// receive nothing. Each input cell's sum is rounded once to Float. Any stride, padding and
    /// group count; the layer's activation is ignored (`gradOutput` is pre-activation).
    public static func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        let g = layer.geometry(inputShape: inputShape)
        g.checkGradientOutput(gradOutput)
        var sums = [Double](repeating: 0, count: inputShape.reduce(1, *))
        let cinG = layer.inputChannelsPerGroup, cout = g.outputChannels
        gradOutput.data.withUnsafeBufferPointer { dy in
            layer.kernel.data.withUnsafeBufferPointer { w in
                forEachTap(g, inputChannelsPerGroup: cinG) { outIndex, xBase, wBase in
                    let d = Double(dy[outIndex])
                    for ci in 0..<cinG { sums[xBase + ci] += d * Double(w[wBase + ci * cout]) }
                }
            }
        }
        return Tensor(shape: inputShape, data: sums.map { Float($0) })
    }

    /// `∂L/∂w` and `∂L/∂b` of a convolution from the definition: `∂w[ky,kx,ci,co]` is the Double
    /// sum over `(n, oy, ox)` of `x[n, iy, ix, g·cinG+ci] · gradOutput[n,oy,ox,co]` over in-bounds
    /// taps, `∂b[co]` the Double sum of `gradOutput[…, co]`; each rounded once to Float. The bias
    /// gradient is returned whether or not the layer has a bias.
    public static func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor,
                                            _ layer: ConvolutionLayer) -> ConvolutionGradients {
        let g = layer.geometry(inputShape: input.shape)
        g.checkGradientOutput(gradOutput)
        var kernelSums = [Double](repeating: 0, count: layer.kernel.count)
        let cinG = layer.inputChannelsPerGroup, cout = g.outputChannels
        var biasSums = [Double](repeating: 0, count: cout)
        input.data.withUnsafeBufferPointer { x in
            gradOutput.data.withUnsafeBufferPointer { dy in
                for (index, d) in dy.enumerated() { biasSums[index % cout] += Double(d) }
                forEachTap(g, inputChannelsPerGroup: cinG) { outIndex, xBase, wBase in
                    let d = Double(dy[outIndex])
                    for ci in 0..<cinG { kernelSums[wBase + ci * cout] += Double(x[xBase + ci]) * d }
                }
            }
        }
        return ConvolutionGradients(kernel: Tensor(shape: layer.kernel.shape, data: kernelSums.map { Float($0) }),
                                    bias: biasSums.map { Float($0) })
    }

    /// The convolution's taps in forward order, shared by both gradients: for every output element
    /// (`outIndex`, flat NHWC) and every in-bounds tap `(ky, kx)` of its window, `xBase` is the
    /// flat index of the first input channel of the output channel's group at the tapped pixel,
    /// and `wBase` the kernel index of `[ky, kx, 0, co]` (input channel `ci` adds `ci·cout`).
    private static func forEachTap(_ g: ConvolutionGeometry, inputChannelsPerGroup cinG: Int,
                                   body: (_ outIndex: Int, _ xBase: Int, _ wBase: Int) -> Void) {
        let coutG = g.outputChannels / g.groups
        let (height, width, cin, cout) = (g.inputHeight, g.inputWidth, g.inputChannels, g.outputChannels)
        var outIndex = 0
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                let rows = g.kernelRows(outputRow: oy)
                for ox in 0..<g.outputWidth {
                    let columns = g.kernelColumns(outputColumn: ox)
                    for co in 0..<cout {
                        let firstInputChannel = (co / coutG) * cinG
                        for ky in rows {
                            let iy = oy * g.stride - g.padTop + ky
                            for kx in columns {
                                let ix = ox * g.stride - g.padLeft + kx
                                body(outIndex, ((n * height + iy) * width + ix) * cin + firstInputChannel,
                                     (ky * g.kernelWidth + kx) * cinG * cout + co)
                            }
                        }
                        outIndex += 1
                    }
                }
            }
        }
    }
}

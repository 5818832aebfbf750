import MirrorCore

extension NaiveKernels {
    /// Direct convolution from the definition (see `ConvolutionLayer`): for each output element,
    /// a Double sum of `x·w` over the window's in-bounds cells (padded cells are zero, so they are
    /// skipped), plus the bias and the residual element if any, rounded once to Float, then the
    /// activation.
    ///
    /// Handles any stride, padding, kernel size and group count. Cost: `flops/2` multiply-adds,
    /// one thread.
    public static func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor? = nil) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let inputChannelsPerGroup = layer.inputChannelsPerGroup
        let outputChannelsPerGroup = g.outputChannels / g.groups
        let (height, width, cin, cout) = (g.inputHeight, g.inputWidth, g.inputChannels, g.outputChannels)
        let (kernelHeight, kernelWidth) = (g.kernelHeight, g.kernelWidth)
        var output = Tensor(shape: g.outputShape)
        input.data.withUnsafeBufferPointer { x in
            layer.kernel.data.withUnsafeBufferPointer { w in
                output.data.withUnsafeMutableBufferPointer { y in
                    var outIndex = 0
                    for n in 0..<g.batch {
                        for oy in 0..<g.outputHeight {
                            for ox in 0..<g.outputWidth {
                                for co in 0..<cout {
                                    let firstInputChannel = (co / outputChannelsPerGroup) * inputChannelsPerGroup
                                    var sum = Double(layer.bias?[co] ?? 0)
                                    for ky in 0..<kernelHeight {
                                        let iy = oy * g.stride - g.padTop + ky
                                        guard iy >= 0 && iy < height else { continue }
                                        for kx in 0..<kernelWidth {
                                            let ix = ox * g.stride - g.padLeft + kx
                                            guard ix >= 0 && ix < width else { continue }
                                            let xBase = ((n * height + iy) * width + ix) * cin + firstInputChannel
                                            let wBase = (ky * kernelWidth + kx) * inputChannelsPerGroup * cout + co
                                            for ci in 0..<inputChannelsPerGroup {
                                                sum += Double(x[xBase + ci]) * Double(w[wBase + ci * cout])
                                            }
                                        }
                                    }
                                    if let residual { sum += Double(residual.data[outIndex]) }
                                    y[outIndex] = layer.activation.apply(Float(sum))
                                    outIndex += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}

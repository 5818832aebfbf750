import MirrorCore

/// The input gradient of a stride-1 convolution is itself a forward convolution: of the output
/// gradient, with the kernel flipped in both spatial axes and its channel axes swapped
/// (`W'[ky, kx, co, ci] = W[kh−1−ky, kw−1−kx, ci, co]`, depthwise: flipped only) and pads
/// `kh−1−top`, `kh−1−bottom`, `kw−1−left`, `kw−1−right`. Engines run it on their forward paths,
/// so a 3×3 stride-1 layer's input gradient gets Winograd F(2×2, 3×3) (2.25× fewer
/// multiply-adds than GEMM + col2im) and a depthwise one the grouped-pixel depthwise kernel.
public enum TransposedConvolution {
    static let cacheKey = "backward.transposed"

    /// The layer whose forward pass on `gradOutput` is `∂L/∂x`, cached on `layer`; nil when the
    /// stride is not 1, the layer is grouped but not depthwise, or an explicit pad exceeds
    /// `kernel − 1` (the transposed pad would be negative).
    public static func layer(for layer: ConvolutionLayer, inputShape: [Int]) -> ConvolutionLayer? {
        guard layer.stride == 1, layer.groups == 1 || layer.isDepthwise else { return nil }
        let g = layer.geometry(inputShape: inputShape)
        let padBottom = (g.outputHeight - 1) + g.kernelHeight - g.inputHeight - g.padTop
        let padRight = (g.outputWidth - 1) + g.kernelWidth - g.inputWidth - g.padLeft
        let pads = [g.kernelHeight - 1 - g.padTop, g.kernelHeight - 1 - padBottom,
                    g.kernelWidth - 1 - g.padLeft, g.kernelWidth - 1 - padRight]
        guard pads.allSatisfy({ $0 >= 0 }) else { return nil }
        let padding = Padding.explicit(top: pads[0], bottom: pads[1], left: pads[2], right: pads[3])
        return layer.prepacked("\(cacheKey).\(padding)") { transposed(layer, padding: padding) }
    }

    static func transposed(_ layer: ConvolutionLayer, padding: Padding) -> ConvolutionLayer {
        let (kh, kw) = (layer.kernelHeight, layer.kernelWidth)
        let (ci, co) = (layer.kernel.shape[2], layer.kernel.shape[3])
        let w = layer.kernel.data
        var flipped = [Float](repeating: 0, count: w.count)
        for ky in 0..<kh {
            for kx in 0..<kw {
                let source = ((kh - 1 - ky) * kw + (kw - 1 - kx)) * ci * co, target = (ky * kw + kx) * ci * co
                if layer.isDepthwise {
                    for c in 0..<co { flipped[target + c] = w[source + c] }
                } else {
                    for i in 0..<ci {
                        for o in 0..<co { flipped[target + o * ci + i] = w[source + i * co + o] }
                    }
                }
            }
        }
        let shape = layer.isDepthwise ? [kh, kw, 1, co] : [kh, kw, co, ci]
        return ConvolutionLayer(kernel: Tensor(shape: shape, data: flipped), bias: nil, stride: 1, padding: padding,
                                groups: layer.groups, name: layer.name.map { "\($0)/input-gradient" })
    }
}

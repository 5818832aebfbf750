import MirrorCore

/// The frame both direct convolution kernels (depthwise, stem) run in: the output tensor made,
/// the operands as pointers, and the output rows `(n, oy)` shared out to the workers.
enum OutputRows {
    /// One output row's operands: the row's image, the weights and bias (zeros when the layer
    /// has none), and the row's first output (and residual) value.
    struct Row {
        let oy: Int
        let image: UnsafePointer<Float>
        let weights: UnsafePointer<Float>
        let bias: UnsafePointer<Float>
        let residual: UnsafePointer<Float>?
        let output: UnsafeMutablePointer<Float>
    }

    static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int,
                    row body: (ConvolutionGeometry, Row) -> Void) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        return Tensor(shape: g.outputShape, initializingWith: { out in
            input.data.withUnsafeBufferPointer { xBuffer in
                layer.kernel.data.withUnsafeBufferPointer { wBuffer in
                    layer.withBias { bias in
                        withOptionalPointer(residual?.data) { residual in
                            let imageFloats = g.inputHeight * g.inputWidth * g.inputChannels
                            Parallel.forEach(count: g.batch * g.outputHeight, threads: threads) { row in
                                let offset = row * g.outputWidth * g.outputChannels
                                body(g, Row(oy: row % g.outputHeight,
                                            image: xBuffer.baseAddress! + row / g.outputHeight * imageFloats,
                                            weights: wBuffer.baseAddress!, bias: bias,
                                            residual: residual.map { $0 + offset }, output: out.baseAddress! + offset))
                            }
                        }
                    }
                }
            }
        })
    }
}

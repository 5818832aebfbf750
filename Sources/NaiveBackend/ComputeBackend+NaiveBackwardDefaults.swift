import MirrorCore

/// The training ops every engine inherits unless it overrides them: the reference kernels
/// (declared here for the same reason as `ComputeBackend+NaiveDefaults.swift`).
extension ComputeBackend {
    public func globalMaxPool(_ input: Tensor) -> Tensor {
        NaiveKernels.globalMaxPool(input)
    }

    public func regionalMaxPool(_ input: Tensor, regions: [PoolingRegion]) -> Tensor {
        NaiveKernels.regionalMaxPool(input, regions: regions)
    }

    public func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        NaiveKernels.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape)
    }

    public func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients {
        NaiveKernels.conv2dBackwardFilter(input, gradOutput, layer)
    }

    public func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor {
        NaiveKernels.activationBackward(gradOutput, output: output, activation)
    }

    public func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        NaiveKernels.maxPoolBackward(gradOutput, input: input, window: window, stride: stride, padding: padding)
    }

    public func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int,
                                padding: Padding) -> Tensor {
        NaiveKernels.avgPoolBackward(gradOutput, inputShape: inputShape, window: window, stride: stride, padding: padding)
    }

    public func lrnBackward(_ gradOutput: Tensor, input: Tensor, depthRadius: Int, bias: Float, alpha: Float,
                            beta: Float) -> Tensor {
        NaiveKernels.lrnBackward(gradOutput, input: input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
    }

    public func globalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor {
        NaiveKernels.globalMaxPoolBackward(gradOutput, input: input)
    }

    public func regionalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor, regions: [PoolingRegion]) -> Tensor {
        NaiveKernels.regionalMaxPoolBackward(gradOutput, input: input, regions: regions)
    }

    public func splitChannels(_ input: Tensor, widths: [Int]) -> [Tensor] {
        NaiveKernels.splitChannels(input, widths: widths)
    }
}

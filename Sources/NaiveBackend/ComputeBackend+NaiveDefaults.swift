import MirrorCore

/// The cheap ops every engine inherits unless it overrides them: the reference kernels.
/// (Declared here, not in MirrorCore, because the reference kernels live in this module; every
/// engine module imports NaiveBackend.)
extension ComputeBackend {
    public func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        NaiveKernels.maxPool(input, window: window, stride: stride, padding: padding)
    }

    public func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        NaiveKernels.avgPool(input, window: window, stride: stride, padding: padding)
    }

    public func globalAveragePool(_ input: Tensor) -> Tensor {
        NaiveKernels.globalAveragePool(input)
    }

    public func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        NaiveKernels.lrn(input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
    }

    public func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor {
        NaiveKernels.add(a, b, activation: activation)
    }

    public func concatChannels(_ inputs: [Tensor]) -> Tensor {
        NaiveKernels.concatChannels(inputs)
    }

    public func activate(_ input: Tensor, _ activation: Activation) -> Tensor {
        NaiveKernels.activate(input, activation)
    }

    public func batchNorm(_ input: Tensor, _ parameters: BatchNormParameters, activation: Activation) -> Tensor {
        NaiveKernels.batchNorm(input, parameters, activation: activation)
    }
}

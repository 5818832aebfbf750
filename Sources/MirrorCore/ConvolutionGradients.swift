/// The gradients of one convolution's parameters, summed over the batch (what an optimiser
/// step needs), returned by `ComputeBackend.conv2dBackwardFilter`.
///
/// `bias` is always computed, even for a layer without a bias: the training code decides whether
/// the layer learns one, and the sum `Σ_{n,y,x} gradOutput` costs one pass over a tensor the
/// kernel gradient reads anyway.
public struct ConvolutionGradients: Sendable {
    /// `∂L/∂w`, HWIO `[kh, kw, cin/groups, cout]`: the shape of `layer.kernel`.
    public var kernel: Tensor
    /// `∂L/∂b`, `[cout]`: the gradient output summed over batch, rows and columns.
    public var bias: [Float]

    public init(kernel: Tensor, bias: [Float]) {
        precondition(kernel.rank == 4 && kernel.shape[3] == bias.count,
                     "kernel gradient \(kernel.shape) and bias gradient of \(bias.count) values disagree")
        self.kernel = kernel
        self.bias = bias
    }
}

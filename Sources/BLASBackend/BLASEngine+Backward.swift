import MirrorCore
import NaiveBackend
import SIMDBackend

/// The BLAS engine's convolution gradients: stride-1 input gradients as its own forward
/// convolution of `TransposedConvolution`; other ungrouped layers on `cblas_sgemm`
/// (`BLASConvolutionBackward`); depthwise layers on the SIMD engine's direct kernels (GEMM does
/// not pay for K = kh·kw, as in the forward pass); grouped non-depthwise layers on the reference.
/// The activation and pool gradients are the SIMD engine's, like the other cheap ops.
extension BLASEngine {
    public func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        if let transposed = TransposedConvolution.layer(for: layer, inputShape: inputShape) {
            layer.geometry(inputShape: inputShape).checkGradientOutput(gradOutput)
            return conv2d(gradOutput, transposed)
        }
        if layer.isDepthwise { return fallback.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape) }
        return BLASConvolutionBackward.input(gradOutput, layer, inputShape: inputShape, threads: threads)
    }

    public func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients {
        if layer.isDepthwise { return fallback.conv2dBackwardFilter(input, gradOutput, layer) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardFilter(input, gradOutput, layer) }
        return BLASConvolutionBackward.filter(input, gradOutput, layer, threads: threads)
    }

    public func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor {
        fallback.activationBackward(gradOutput, output: output, activation)
    }

    public func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        fallback.maxPoolBackward(gradOutput, input: input, window: window, stride: stride, padding: padding)
    }

    public func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int,
                                padding: Padding) -> Tensor {
        fallback.avgPoolBackward(gradOutput, inputShape: inputShape, window: window, stride: stride, padding: padding)
    }
}

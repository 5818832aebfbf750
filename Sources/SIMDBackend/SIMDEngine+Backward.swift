import MirrorCore
import NaiveBackend

/// The SIMD engine's convolution gradients (Docs/ENGINES.md, "Backward passes"): depthwise
/// layers on direct kernels, 1×1 stride-1 input gradients as one GEMM on the output gradient in
/// place, other ungrouped layers through `ConvolutionInputGradient` / `ConvolutionFilterGradient`
/// with the SIMD GEMM and `WeightGradientKernel`; grouped non-depthwise layers decline to the
/// reference, as in the forward pass. The cheap backward ops stay the reference kernels.
extension SIMDEngine {
    public func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        if layer.isDepthwise { return DepthwiseBackward.input(gradOutput, layer, inputShape: inputShape, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape) }
        return SIMDConvolutionBackward.input(gradOutput, layer, inputShape: inputShape, threads: threads)
    }

    public func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients {
        if layer.isDepthwise { return DepthwiseBackward.filter(input, gradOutput, layer, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardFilter(input, gradOutput, layer) }
        return SIMDConvolutionBackward.filter(input, gradOutput, layer, threads: threads)
    }
}

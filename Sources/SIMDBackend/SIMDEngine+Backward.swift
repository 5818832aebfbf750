import MirrorCore
import NaiveBackend

/// The SIMD engine's convolution gradients (Docs/ENGINES.md, "Backward passes"): stride-1
/// input gradients as the forward convolution of `TransposedConvolution` (Winograd, in-place 1×1
/// GEMM, grouped-pixel depthwise) except 1×1 ones (`PointwiseInputGradient`, on a 6×16 tile), strided ones by GEMM + col2im (`SIMDConvolutionBackward`) or
/// the gathering depthwise kernel; filter gradients by `WeightGradientKernel` chunks
/// (`ConvolutionFilterGradient`) or the direct depthwise kernel; grouped non-depthwise layers decline to the
/// reference, as in the forward pass. The activation gradient is a vectorised threaded select
/// (it runs on every activation map of a training step) and the pool gradients are vectorised
/// per image (`SIMDPoolingBackward`); LRN and the global/regional max-pools stay the reference.
extension SIMDEngine {
    public func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        if PointwiseInputGradient.applies(to: layer) {
            return PointwiseInputGradient.run(gradOutput, layer, inputShape: inputShape, threads: threads)
        }
        if let transposed = TransposedConvolution.layer(for: layer, inputShape: inputShape) {
            layer.geometry(inputShape: inputShape).checkGradientOutput(gradOutput)
            return conv2d(gradOutput, transposed)
        }
        if layer.isDepthwise { return DepthwiseBackward.input(gradOutput, layer, inputShape: inputShape, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape) }
        return SIMDConvolutionBackward.input(gradOutput, layer, inputShape: inputShape, threads: threads)
    }

    public func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients {
        if layer.isDepthwise { return DepthwiseBackward.filter(input, gradOutput, layer, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2dBackwardFilter(input, gradOutput, layer) }
        return SIMDConvolutionBackward.filter(input, gradOutput, layer, threads: threads)
    }

    public func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor {
        precondition(gradOutput.shape == output.shape,
                     "activation gradient shape \(gradOutput.shape) differs from the output shape \(output.shape)")
        return Tensor(shape: output.shape, initializingWith: { out in
            guard let target = out.baseAddress else { return }
            gradOutput.data.withUnsafeBufferPointer { g in
                output.data.withUnsafeBufferPointer { y in
                    VectorKernels.activationBackward(g.baseAddress!, output: y.baseAddress!, activation, into: target,
                                                     count: out.count, threads: threads)
                }
            }
        })
    }

    public func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        SIMDPoolingBackward.maxPool(gradOutput, input: input, window: window, stride: stride, padding: padding,
                                    threads: threads)
    }

    public func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int,
                                padding: Padding) -> Tensor {
        SIMDPoolingBackward.avgPool(gradOutput, inputShape: inputShape, window: window, stride: stride, padding: padding,
                                    threads: threads)
    }
}

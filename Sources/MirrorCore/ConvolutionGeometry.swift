/// The resolved shape arithmetic of one convolution call: input and output extents and the
/// zero padding before each axis (after-padding is implied by the output extent).
public struct ConvolutionGeometry: Hashable, Sendable {
    public let batch: Int
    public let inputHeight: Int, inputWidth: Int, inputChannels: Int
    public let outputHeight: Int, outputWidth: Int, outputChannels: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int
    public let groups: Int
    public let padTop: Int, padLeft: Int

    public init(batch: Int, inputHeight: Int, inputWidth: Int, inputChannels: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int, groups: Int, window: WindowGeometry) {
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.inputChannels = inputChannels
        self.outputHeight = window.height.output
        self.outputWidth = window.width.output
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.groups = groups
        self.padTop = window.height.padBefore
        self.padLeft = window.width.padBefore
    }

    /// NHWC output shape `[N, outH, outW, cout]`.
    public var outputShape: [Int] { [batch, outputHeight, outputWidth, outputChannels] }

    /// Output pixels over the batch: the GEMM's M.
    public var outputPixels: Int { batch * outputHeight * outputWidth }

    /// Length of one im2col patch of a group, `kh·kw·cin/groups`: the GEMM's K.
    public var patchLength: Int { kernelHeight * kernelWidth * (inputChannels / groups) }

    /// Multiply-adds ×2: `2·N·outH·outW·cout·kh·kw·cin/groups`.
    public var flops: Int { 2 * outputPixels * outputChannels * patchLength }

    /// Kernel rows `ky` of output row `oy` that read inside the image (input row
    /// `oy·stride − padTop + ky`); empty when the whole window lies in the padding, as explicit
    /// pads wider than the kernel allow.
    public func kernelRows(outputRow oy: Int) -> Range<Int> {
        Self.validTaps(origin: oy * stride - padTop, kernel: kernelHeight, extent: inputHeight)
    }

    /// Kernel columns `kx` of output column `ox` that read inside the image.
    public func kernelColumns(outputColumn ox: Int) -> Range<Int> {
        Self.validTaps(origin: ox * stride - padLeft, kernel: kernelWidth, extent: inputWidth)
    }

    /// Output columns whose whole kernel window lies inside the input row (no padding taps):
    /// where direct kernels take their fast path.
    public var interiorOutputColumns: Range<Int> {
        let first = (padLeft + stride - 1) / stride
        let lastStart = inputWidth - kernelWidth + padLeft   // the largest ox·stride allowed
        guard lastStart >= 0 else { return 0..<0 }
        let end = min(outputWidth, lastStart / stride + 1)
        return first < end ? first..<end : 0..<0
    }

    /// Taps `k` of a window starting at input index `origin` with `origin + k` in `0..<extent`.
    private static func validTaps(origin: Int, kernel: Int, extent: Int) -> Range<Int> {
        let first = max(0, -origin)
        return first..<max(first, min(kernel, extent - origin))
    }

    /// Precondition (programmer error otherwise): a backward pass's output gradient has the
    /// forward output's shape.
    public func checkGradientOutput(_ gradOutput: Tensor) {
        precondition(gradOutput.shape == outputShape,
                     "output gradient shape \(gradOutput.shape) differs from the convolution output shape \(outputShape)")
    }

    /// Precondition (programmer error otherwise): a residual, if given, has the output shape.
    public func checkResidual(_ residual: Tensor?) {
        guard let residual else { return }
        precondition(residual.shape == outputShape,
                     "residual shape \(residual.shape) differs from the output shape \(outputShape)")
    }
}

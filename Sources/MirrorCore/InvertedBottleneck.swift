/// The three convolutions of one inverted-residual ("MBConv") block of EfficientNet-Lite0
/// (SPEC §6.4), handed to an engine as one op so that it can run them fused:
/// `project(depthwise(expand(x))) [+ x]`.
///
/// Why one op: in the split form every block writes its expanded tensor (6× the block's input
/// channels, at the input resolution: 448×448×96 floats = 77 MB in block 1 at input 896) to
/// memory and reads it back twice. Produced and consumed a band of rows at a time, it stays in
/// the core's cache; at 896 that is most of Lite0's memory traffic.
public struct InvertedBottleneck: Sendable {
    /// 1×1 stride-1 convolution widening the channels (BN and ReLU6 folded in); nil when the
    /// expand ratio is 1 (Lite0's block 0).
    public let expand: ConvolutionLayer?
    /// k×k depthwise convolution with the block's stride (BN and ReLU6 folded in).
    public let depthwise: ConvolutionLayer
    /// 1×1 stride-1 convolution back to the block's output channels (BN folded in).
    public let project: ConvolutionLayer
    /// Whether the block's input is added to the projection (the identity shortcut).
    public let addsInput: Bool

    /// The block, or nil when the layers do not form one: expand and project must be 1×1
    /// unpadded stride-1 convolutions, the middle depthwise, the channel counts must chain, and
    /// an identity shortcut needs stride 1 and equal input and output channels.
    public init?(expand: ConvolutionLayer?, depthwise: ConvolutionLayer, project: ConvolutionLayer, addsInput: Bool) {
        let inputChannels = (expand ?? depthwise).inputChannels
        guard depthwise.isDepthwise, project.isPointwise, project.stride == 1,
              project.inputChannels == depthwise.outputChannels,
              expand.map({ $0.isPointwise && $0.stride == 1 && $0.outputChannels == depthwise.inputChannels }) ?? true,
              !addsInput || (depthwise.stride == 1 && project.outputChannels == inputChannels)
        else { return nil }
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.addsInput = addsInput
    }

    /// Channels of the block's input.
    public var inputChannels: Int { (expand ?? depthwise).inputChannels }

    /// The unfused form, one `conv2d` per layer (the shortcut fused into the projection's
    /// epilogue): the definition every fused implementation is tested against.
    public func composed(_ input: Tensor, on backend: any ComputeBackend) -> Tensor {
        let widened = expand.map { backend.conv2d(input, $0) } ?? input
        return backend.conv2d(backend.conv2d(widened, depthwise), project, adding: addsInput ? input : nil)
    }
}

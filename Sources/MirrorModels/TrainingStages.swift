import MirrorCore

/// One loss stage of the seed's training graph (SPEC §8.4): the feature map the loss max-pools,
/// named by the layer that marks its variables for 10× lr. (Stage weights and the 10× rule are the
/// solver's: `StageWeights` in MirrorTraining.)
public struct LossStage: Hashable, Sendable {
    /// The seed's `new_layers` entry (`retrieval/train.py`): `res5c_branch2c`, `inception_4a_loss`, …
    public let name: String
}

/// Where a stage's feature map comes from in the network.
enum StageSource: Hashable, Sendable {
    /// The output of a convolution after its (folded) batch norm and activation: Lite0's `head`.
    case convolutionOutput(tap: String)
    /// The raw output of a convolution **before** its batch norm: ResNet's `res5c_branch2c`. The
    /// seed's `resnet.py` names the convolution `res5c_branch2c` and its BN `bn5c_branch2c`, and
    /// `get_output_by_name('res5c_branch2c')` is the convolution's output (verified in the seed).
    case rawConvolution(name: String)
    /// An extra convolution reading a tap of the feature path and feeding only the loss: GoogLeNet's
    /// `inception_{4a,4d}_loss` (3×3/2, no ReLU, after a dropout that is a no-op in the seed's
    /// graph) and `inception_5b_loss` (1×1, no ReLU).
    case sideConvolution(source: String, convolution: ConvolutionSpec)
}

extension Architecture {
    /// The seed's loss stages for this network (`retrieval/train.py` `new_layers`), in order.
    /// EfficientNet-Lite0 is not a seed network: its one stage is the feature map mirror extracts
    /// (`head`, after BN and ReLU6), so training optimises exactly what retrieval uses.
    func stageSources(widthDivisor: Int) -> [(stage: LossStage, source: StageSource)] {
        switch self {
        case .resnet50:
            return [(LossStage(name: "res5c_branch2c"), .rawConvolution(name: "res5c_branch2c"))]
        case .efficientNetLite0:
            return [(LossStage(name: "head"), .convolutionOutput(tap: "head"))]
        case .googlenet:
            let sides = GoogLeNet.auxiliaryConvolutions(widthDivisor: widthDivisor)
            let sources = ["inception_4a_output", "inception_4d_output", "inception_5b_output"]
            return zip(sides, sources).map { side, source in
                (LossStage(name: side.name), .sideConvolution(source: source, convolution: side))
            }
        }
    }

    /// The layer table with every channel width divided by `widthDivisor` (1: the real network).
    /// Only the seed networks have thin variants (for the training parity fixtures).
    func spec(widthDivisor: Int) -> NetworkSpec {
        if widthDivisor == 1 { return spec }
        switch self {
        case .resnet50: return ResNet50.spec(widthDivisor: widthDivisor)
        case .googlenet: return GoogLeNet.spec(widthDivisor: widthDivisor)
        case .efficientNetLite0: preconditionFailure("EfficientNet-Lite0 has no thin variant")
        }
    }

    /// Whether `spec(widthDivisor:)` exists for this divisor.
    public func supportsWidthDivisor(_ divisor: Int) -> Bool {
        switch self {
        case .efficientNetLite0: return divisor == 1
        case .resnet50: return divisor > 0 && ([64] + ResNet50.stages.map(\.width)).allSatisfy { $0 % divisor == 0 }
        case .googlenet:
            return divisor > 0 && [64, 192, GoogLeNet.auxiliaryChannels].allSatisfy { $0 % divisor == 0 }
                && GoogLeNet.inceptions.allSatisfy { $0.thinned(by: divisor).outputChannels * divisor == $0.outputChannels }
        }
    }
}

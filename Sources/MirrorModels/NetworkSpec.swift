import MirrorCore

// The networks as data: each architecture file (ResNet50.swift, GoogLeNet.swift,
// EfficientNetLite0.swift) builds a `NetworkSpec` from its stage or module table, and everything
// else is derived from that one value: the weight names and shapes a file must hold
// (`expectedTensors`), the layer arithmetic (`NetworkSpec+Shapes.swift`) and the forward pass
// (`FeatureNetwork+Forward.swift`). Nothing here holds weights.

/// One convolution, the batch norm that follows it (folded into it at load time) and the
/// activation after both.
///
/// Weights: `\(name)/kernel` HWIO `[k, k, inputChannels, outputChannels]` (depthwise:
/// `[k, k, 1, channels]`), `\(name)/bias` `[outputChannels]` when `biased`, and
/// `\(batchNorm)/{gamma, beta, moving_mean, moving_variance}` `[outputChannels]` when there is a
/// batch norm. `tap` is the name under which the layer's output is reported to observers: the
/// seed graph's name for the node whose output this is (after BN and activation).
struct ConvolutionSpec: Hashable, Sendable {
    var name: String
    var kernelSize: Int
    var inputChannels: Int
    var outputChannels: Int
    var stride: Int = 1
    var padding: Padding = .same
    /// One filter per channel (`groups == channels`, channel multiplier 1).
    var isDepthwise = false
    var biased: Bool
    /// Name of the batch-norm layer after the convolution (γ and β always present), or nil.
    var batchNorm: String?
    var activation: Activation
    var tap: String

    var kernelShape: [Int] { [kernelSize, kernelSize, isDepthwise ? 1 : inputChannels, outputChannels] }
    var groups: Int { isDepthwise ? inputChannels : 1 }

    /// Every tensor this layer reads from a weight file, with its shape.
    var tensors: [(name: String, shape: [Int])] {
        var list: [(String, [Int])] = [("\(name)/kernel", kernelShape)]
        if biased { list.append(("\(name)/bias", [outputChannels])) }
        if let batchNorm {
            for part in BatchNormTensor.allCases { list.append(("\(batchNorm)/\(part.rawValue)", [outputChannels])) }
        }
        return list
    }
}

/// The four tensors of a TF batch-norm layer with `center=scale=True` (SPEC §7).
enum BatchNormTensor: String, CaseIterable {
    case gamma, beta
    case movingMean = "moving_mean"
    case movingVariance = "moving_variance"

    /// Running statistics: stored in weight files but not trained.
    var isRunningStatistic: Bool { self == .movingMean || self == .movingVariance }
}

/// What a block adds to the output of its body.
enum Shortcut: Hashable, Sendable {
    /// Nothing: the block is a plain sequence (Lite0 blocks that change shape).
    case none
    /// The block's input (Lite0 skip connections).
    case identity
    /// The input through these layers (ResNet `branch1` projections).
    case projection([LayerSpec])
}

/// A block whose output is `activation(shortcut + body(x))`.
struct BlockSpec: Hashable, Sendable {
    /// Tap of the block's output (ResNet `res2a_relu`, Lite0 `blocks_3`).
    var name: String
    /// Tap of the sum before the activation when the seed names it separately (ResNet `res2a`).
    /// Reported only to observers; the normal pass fuses the activation into the addition.
    var sumTap: String?
    var body: [LayerSpec]
    var shortcut: Shortcut
    var activation: Activation
}

/// One step of a network, in execution order. Pools and LRN follow TF's arithmetic (SPEC §2).
indirect enum LayerSpec: Hashable, Sendable {
    case convolution(ConvolutionSpec)
    /// Max-pooling; padded cells never win.
    case maxPool(name: String, window: Int, stride: Int, padding: Padding)
    /// Average pooling over the valid cells of each window.
    case averagePool(name: String, window: Int, stride: Int, padding: Padding)
    /// TF `local_response_normalization` across channels (alpha not divided by the window).
    case localResponseNorm(name: String, depthRadius: Int, bias: Float, alpha: Float, beta: Float)
    case block(BlockSpec)
    /// The branches all read the same input; their outputs are concatenated on channels in order.
    case concatenation(name: String, branches: [[LayerSpec]])
}

/// A fully connected classifier after global average pooling: `\(name)/kernel` `[inputs, classes]`
/// (TF dense layout) and `\(name)/bias` `[classes]`.
struct ClassifierSpec: Hashable, Sendable {
    var name: String
    var inputs: Int
    var classes: Int

    var tensors: [(name: String, shape: [Int])] { [("\(name)/kernel", [inputs, classes]), ("\(name)/bias", [classes])] }
}

/// A whole network: the layers run to the feature map, the convolutions a checkpoint holds but the
/// feature path never runs, and an optional classifier head.
struct NetworkSpec: Hashable, Sendable {
    /// From the NHWC input to the feature map; the last layer's output is the feature map.
    var layers: [LayerSpec]
    /// Present in weight files (the seed restores every variable) but not run (GoogLeNet `*_loss`).
    var unusedConvolutions: [ConvolutionSpec] = []
    var classifier: ClassifierSpec?

    /// Every convolution of the feature path, in execution order.
    var convolutions: [ConvolutionSpec] { Self.convolutions(in: layers) }

    private static func convolutions(in layers: [LayerSpec]) -> [ConvolutionSpec] {
        layers.flatMap { layer -> [ConvolutionSpec] in
            switch layer {
            case .convolution(let spec): return [spec]
            case .maxPool, .averagePool, .localResponseNorm: return []
            case .block(let block):
                var found: [ConvolutionSpec] = []
                if case .projection(let shortcut) = block.shortcut { found += convolutions(in: shortcut) }
                return found + convolutions(in: block.body)
            case .concatenation(_, let branches): return branches.flatMap { convolutions(in: $0) }
            }
        }
    }

    /// Names and shapes of every tensor a weight file for this network holds.
    var expectedTensors: [String: [Int]] {
        var table: [String: [Int]] = [:]
        let all = (convolutions + unusedConvolutions).flatMap(\.tensors) + (classifier?.tensors ?? [])
        for (name, shape) in all {
            precondition(table[name] == nil, "tensor \(name) declared twice")
            table[name] = shape
        }
        return table
    }
}

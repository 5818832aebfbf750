import MirrorCore

/// The networks mirror extracts features with (`--model`). The raw value is the name stored in a
/// weight file's `architecture` attribute (Docs/FORMATS.md).
///
/// Each case is defined as data in its own file (`ResNet50.swift`, `GoogLeNet.swift`,
/// `EfficientNetLite0.swift`); every property here is derived from that definition, not tabulated.
public enum Architecture: String, CaseIterable, Sendable {
    /// The seed's ResNet-50, features at `pool5`.
    case resnet50 = "resnet-50"
    /// The seed's GoogLeNet, features at `inception_5b_output`.
    case googlenet = "googlenet"
    /// EfficientNet-Lite0, features at the head activation (SPEC §6.4).
    case efficientNetLite0 = "efficientnet-lite0"

    /// The layer table.
    var spec: NetworkSpec {
        switch self {
        case .resnet50: return ResNet50.network
        case .googlenet: return GoogLeNet.network
        case .efficientNetLite0: return EfficientNetLite0.network
        }
    }

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .resnet50: return "seed ResNet-50 (Caffe variant), pool5 features, 2048-D"
        case .googlenet: return "seed GoogLeNet (BVLC), inception_5b_output features, 1024-D"
        case .efficientNetLite0: return "EfficientNet-Lite0 (ImageNet), head features, 1280-D"
        }
    }

    /// The tap whose output is the feature map (the seed's `inference.py` output tensor name).
    public var featureLayer: String {
        switch self {
        case .resnet50: return "pool5"
        case .googlenet: return "inception_5b_output"
        case .efficientNetLite0: return "head"
        }
    }

    /// Channels D of the feature map: 2048, 1024, 1280.
    public var featureChannels: Int {
        switch self {
        case .resnet50: return ResNet50.expansion * ResNet50.stages.last!.width
        case .googlenet: return GoogLeNet.inceptions.last!.outputChannels
        case .efficientNetLite0: return EfficientNetLite0.headChannels
        }
    }

    /// The input normalisation the network was trained with: the seed's mean subtraction for the
    /// seed nets (SPEC §1.4), `(x − 127)/128` for Lite0 (`Fixtures/networks/README.md` §4).
    public var defaultNormalization: InputNormalization {
        switch self {
        case .resnet50, .googlenet: return .seed
        case .efficientNetLite0: return .efficientNetLite
        }
    }

    /// Batch-norm ε a converter should store: 1.001e-5 for the seed nets (TF 1.x clamps the seed's
    /// 1e-5 to this, SPEC quirk 4; GoogLeNet has no BN and ignores it), 1e-3 for Lite0.
    public var bnEpsilon: Float {
        switch self {
        case .resnet50, .googlenet: return BatchNormParameters.tensorFlow1Epsilon(1e-5)
        case .efficientNetLite0: return 1e-3
        }
    }

    /// Whether the network has batch norms (and so reads `bn_epsilon`).
    public var usesBatchNorm: Bool { spec.convolutions.contains { $0.batchNorm != nil } }

    /// Whether `FeatureNetwork.classify` is available (a classifier head is part of the weights).
    public var hasClassifier: Bool { spec.classifier != nil }

    /// Every tensor a weight file must hold, by name, with its shape (TF layouts: HWIO kernels,
    /// dense `[in, out]`). For the seed nets these are the seed's TF variable names (SPEC §7),
    /// including GoogLeNet's unused `*_loss` convolutions.
    public var expectedTensors: [String: [Int]] { spec.expectedTensors }

    /// Number of values in a complete weight file, running statistics included (SPEC §7 counts):
    /// 23,561,216 / 11,291,696 / 4,694,024.
    public var parameterCount: Int { expectedTensors.values.reduce(0) { $0 + $1.reduce(1, *) } }

    /// `parameterCount` without BN running means and variances (PyTorch's parameter count):
    /// 23,508,096 / 11,291,696 / 4,652,008.
    public var trainableParameterCount: Int {
        let statistics = Set(BatchNormTensor.allCases.filter(\.isRunningStatistic).map { "/" + $0.rawValue })
        return expectedTensors.filter { name, _ in !statistics.contains { name.hasSuffix($0) } }
            .values.reduce(0) { $0 + $1.reduce(1, *) }
    }

    /// Side of the feature map for an `inputSize×inputSize` input, from the layer arithmetic
    /// (SPEC §2): ResNet 22/8/1 and GoogLeNet 28/14/7 at 896/448/224 (SPEC §3), Lite0 28/14/7.
    /// Nil when the input is too small for a VALID window (ResNet below `minimumInputSize`).
    public func featureMapSize(inputSize: Int) -> Int? {
        guard inputSize > 0, let shape = spec.walk(height: inputSize, width: inputSize) else { return nil }
        precondition(shape.height == shape.width && shape.channels == featureChannels)
        return shape.height
    }

    /// The smallest square input the network runs on: 193 for ResNet-50 (`res5c` must be at least
    /// 7×7 for `pool5`), 1 for the others.
    public var minimumInputSize: Int {
        var size = 1
        while featureMapSize(inputSize: size) == nil { size += 1 }
        return size
    }

    /// Every tap in the order an observer sees it (pre-activation sums included), with its shape
    /// and cost, for a `height×width` input; nil when the network cannot run on it. Ends with the
    /// classifier's taps when there is one.
    public func layerSummaries(height: Int, width: Int) -> [LayerSummary]? {
        guard height > 0 && width > 0 else { return nil }
        return spec.summaries(height: height, width: width)
    }

    /// A weight archive of synthetic values for every expected tensor
    /// (`SyntheticWeights.tensor(name:shape:)`, bit-identical to the fixture generator's), with the
    /// architecture's default normalisation and ε. For parity tests and `mirror bench`.
    /// `widthDivisor` > 1 gives the thin seed-topology variant of the training fixtures.
    public func syntheticArchive(widthDivisor: Int = 1) -> WeightArchive {
        var tensors: [String: Tensor] = [:]
        for (name, shape) in spec(widthDivisor: widthDivisor).expectedTensors {
            tensors[name] = SyntheticWeights.tensor(name: name, shape: shape)
        }
        return WeightArchive(architecture: rawValue, normalization: defaultNormalization, bnEpsilon: bnEpsilon,
                             source: "synthetic weights (SyntheticWeights; Fixtures/networks/README.md §1)",
                             tensors: tensors, origin: "(synthetic \(rawValue))")
    }
}

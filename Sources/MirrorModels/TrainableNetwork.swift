import MirrorCore

/// A network whose weights change: the raw parameters of a weight file (kernels, biases, BN γ/β
/// and running statistics, by their weight-file names), the seed's loss stages, and one forward
/// pass with a tape plus its backward pass per training step.
///
/// Batch norm is **frozen** at the stored running statistics (inference form), the usual choice
/// when fine-tuning on a CPU with small batches: batch statistics over 8–16 triplets of one step
/// are noisy, and the frozen form lets every step fold BN into its convolution exactly as
/// inference does (`NetworkWeights.convolution`), so the training forward pass *is* the inference
/// pass. γ and β still train, through the folding's chain rule (`FoldedConvolutionGradients`).
/// The seed runs ResNet's BN in training mode (SPEC §8.6); mirror does not offer that mode: with
/// batches this small it needs more memory and bought nothing in the trials documented in
/// Docs/ARCHITECTURE.md ("Training").
///
/// Not thread-safe: one trainer owns it. Layout as everywhere: NHWC maps, HWIO kernels.
public final class TrainableNetwork {
    public let architecture: Architecture
    /// 1 for the real network; > 1 for the thin seed-topology variants of the parity fixtures.
    public let widthDivisor: Int
    public let normalization: InputNormalization
    public let bnEpsilon: Float
    /// The loss stages in order (SPEC §8.4).
    public let stages: [LossStage]
    /// Every tensor of the weight file, updated by the optimizer through `setParameter`.
    public private(set) var parameters: [String: Tensor]
    /// The names the optimizer updates, sorted: every kernel, bias, BN γ and β of the feature path
    /// from `trainableFrom` on and the stage convolutions (SPEC §8.6: all trainable variables).
    /// Running statistics and a classifier head (Lite0's ImageNet `classifier`, which no loss
    /// reaches) are not trained.
    public let trainableNames: [String]
    /// Index in the feature path's top-level layers of the first trained layer (0: all).
    let firstTrainedLayer: Int
    /// The weight file's `source`, kept for snapshots' provenance.
    public let initialSource: String

    let spec: NetworkSpec
    let stageSources: [StageSource]
    /// The feature path up to the last layer that feeds a stage: what a training step runs. Later
    /// layers get no gradient (ResNet's `pool5`), and dropping them lets ResNet train on inputs
    /// smaller than the 193 pixels `pool5` needs.
    let trainingLayers: [LayerSpec]

    /// Loads `weights` for `architecture` (or its thin variant).
    ///
    /// - Throws: the `WeightError`s of `FeatureNetwork.init` (another architecture, missing,
    ///   unexpected or mis-shaped tensors, a bad `bn_epsilon`).
    /// - Parameter trainableFrom: the tap name of a top-level layer (a Lite0 block `blocks_11`, a
    ///   ResNet block `res4a_relu`, a GoogLeNet module `inception_4a_output`, …): layers before it
    ///   stay frozen and the backward pass stops there, which is both faster and, with few
    ///   training scenes, keeps the generic early features intact. nil trains everything (the seed).
    /// - Throws: `WeightError`s as `FeatureNetwork.init`; `TrainableNetworkError.unknownLayer`
    ///   when `trainableFrom` names no top-level layer up to the last stage.
    public init(_ architecture: Architecture, weights: WeightArchive, widthDivisor: Int = 1,
                trainableFrom: String? = nil) throws {
        precondition(architecture.supportsWidthDivisor(widthDivisor),
                     "\(architecture.rawValue) has no variant with widths divided by \(widthDivisor)")
        let spec = architecture.spec(widthDivisor: widthDivisor)
        try NetworkWeights.check(weights, for: architecture, expected: spec.expectedTensors)
        self.architecture = architecture
        self.widthDivisor = widthDivisor
        self.spec = spec
        self.normalization = weights.normalization
        self.bnEpsilon = weights.bnEpsilon
        self.parameters = weights.tensors
        self.initialSource = weights.source
        let sources = architecture.stageSources(widthDivisor: widthDivisor)
        self.stages = sources.map(\.stage)
        self.stageSources = sources.map(\.source)
        let last = spec.layers.lastIndex { layer in sources.contains { layer.feeds($0.source) } }
        precondition(last != nil, "no layer of \(architecture.rawValue) feeds its loss stages")
        self.trainingLayers = Array(spec.layers[...last!])
        var first = 0
        if let trainableFrom {
            guard let index = trainingLayers.firstIndex(where: { $0.outputTap == trainableFrom }) else {
                throw TrainableNetworkError.unknownLayer(name: trainableFrom, architecture: architecture.rawValue,
                                                         available: trainingLayers.map(\.outputTap))
            }
            first = index
        }
        self.firstTrainedLayer = first
        let trainedConvolutions = NetworkSpec(layers: Array(trainingLayers[first...])).convolutions + spec.unusedConvolutions
        let trained = trainedConvolutions.flatMap(\.tensors).map(\.name)
        let statistics = BatchNormTensor.allCases.filter(\.isRunningStatistic).map { "/" + $0.rawValue }
        self.trainableNames = trained.filter { name in !statistics.contains { name.hasSuffix($0) } }.sorted()
    }

    /// Replaces one parameter (same shape).
    public func setParameter(_ name: String, _ value: Tensor) {
        precondition(parameters[name]?.shape == value.shape,
                     "\(name): \(value.shape) does not replace \(parameters[name]?.shape ?? [])")
        parameters[name] = value
    }

    /// The current weights as a weight file (`extract --weights` reads it unchanged), with the
    /// run's provenance in its `training` attribute.
    public func archive(source: String, training: String?) -> WeightArchive {
        WeightArchive(architecture: architecture.rawValue, normalization: normalization, bnEpsilon: bnEpsilon,
                      source: source, tensors: parameters, training: training,
                      origin: "(training \(architecture.rawValue))")
    }
}

/// Errors of `TrainableNetwork` settings.
public enum TrainableNetworkError: Error, Equatable, CustomStringConvertible {
    case unknownLayer(name: String, architecture: String, available: [String])

    public var description: String {
        switch self {
        case .unknownLayer(let name, let architecture, let available):
            return "\(architecture) has no top-level layer '\(name)' to train from; one of: \(available.joined(separator: ", "))"
        }
    }
}

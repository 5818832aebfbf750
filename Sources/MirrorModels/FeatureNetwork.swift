import MirrorCore

/// Receives a network's intermediate activations: the tap name and the tensor, right after the
/// layer that produced it (so the time between two calls is that layer's time).
public typealias ActivationObserver = (_ layer: String, _ output: Tensor) -> Void

/// A network with its weights loaded, ready to run on any `ComputeBackend`.
///
/// Built once from a `WeightArchive`: the file is checked against the architecture (name, every
/// tensor name and shape), every batch norm is folded into the convolution before it
/// (`ConvolutionLayer.foldingBatchNorm`, in Double, with the file's ε), and the layers are kept
/// for the network's lifetime so engines can cache their prepacked kernels. Immutable afterwards,
/// so one instance can serve several threads.
///
/// Layout: inputs and feature maps are NHWC `[N, H, W, C]`; kernels HWIO. The input must already
/// be normalised with `normalization`.
public final class FeatureNetwork: Sendable {
    public let architecture: Architecture
    /// From the weight file: what the caller applies to 0…255 pixels before `features`.
    public let normalization: InputNormalization
    /// The ε folded into the convolutions (the file's `bn_epsilon`).
    public let bnEpsilon: Float
    /// The weight file's `source` text.
    public let weightsSource: String

    let spec: NetworkSpec
    /// The feature path's convolutions by weight name, BN folded, activation fused.
    let convolutions: [String: ConvolutionLayer]
    let classifier: DenseLayer?

    /// Tap of the classifier's global average pool.
    public static let poolTap = "global_pool"
    /// Tap of the classifier's logits.
    public static let logitsTap = "logits"

    /// Loads `weights` for `architecture`.
    ///
    /// - Throws: `WeightError.architectureMismatch` when the file holds another network;
    ///   `WeightError.mismatch` listing every missing, unexpected and wrongly shaped tensor at
    ///   once; `WeightError.invalidAttribute` for a `bn_epsilon` that is negative or not finite
    ///   (networks with batch norm only).
    public init(_ architecture: Architecture, weights: WeightArchive) throws {
        try NetworkWeights.check(weights, for: architecture, expected: architecture.expectedTensors)
        let spec = architecture.spec
        self.architecture = architecture
        self.spec = spec
        self.normalization = weights.normalization
        self.bnEpsilon = weights.bnEpsilon
        self.weightsSource = weights.source
        var layers: [String: ConvolutionLayer] = [:]
        for conv in spec.convolutions {
            layers[conv.name] = NetworkWeights.convolution(conv, from: weights.tensors, epsilon: weights.bnEpsilon)
        }
        self.convolutions = layers
        self.classifier = spec.classifier.map { NetworkWeights.dense($0, from: weights.tensors) }
    }

    /// Reads the weight file at `path` (checking its hash and architecture) and loads it.
    ///
    /// - Throws: any `WeightError` of `WeightArchive.read(from:architecture:)` or `init(_:weights:)`.
    public convenience init(_ architecture: Architecture, weightsAt path: String) throws {
        try self.init(architecture, weights: WeightArchive.read(from: path, architecture: architecture.rawValue))
    }

    /// The feature map of an NHWC `[N, H, W, 3]` normalised input: ResNet `pool5`, GoogLeNet
    /// `inception_5b_output`, Lite0 `head` (after BN + ReLU6, before pooling), `[N, h, w, D]`.
    /// Fully convolutional: any `H, W ≥ architecture.minimumInputSize`.
    ///
    /// - Parameter observer: receives every tap in execution order (`layerNames`), named as the
    ///   seed graph's nodes (ResNet `bn_conv1`, `pool1`, `bn2a_branch1`, …, `res2a` (the sum),
    ///   `res2a_relu`, …; GoogLeNet `conv1_7x7_s2`, `pool1_norm1`, …; Lite0 `stem`,
    ///   `blocks_3/expand`, …, `blocks_3`, `head`). A convolution's tap is its output after the
    ///   folded BN and the activation. While observing, ResNet's `add → ReLU` runs as two ops so
    ///   that the sum can be reported; the result is bit-identical to the fused op. Lite0's
    ///   MBConv blocks run as three convolutions (an engine's fused block agrees with them within
    ///   the convolution bound).
    /// - Parameter innerTaps: false to observe the network as it runs unobserved: fused ops
    ///   (Lite0's blocks, ResNet's `add → ReLU`) report only their output (`bench --layer`).
    public func features(_ input: Tensor, backend: any ComputeBackend, observer: ActivationObserver? = nil,
                         innerTaps: Bool = true) -> Tensor {
        checkInput(input, through: nil)
        var pass = ForwardPass(network: self, backend: backend, observer: observer, target: nil, innerTaps: innerTaps)
        return pass.run(spec.layers, input)
    }

    /// The output of one tap (the seed's `get_output_by_name`), running the network only as far
    /// as needed; nil when the network has no tap of that name. The input only has to be large
    /// enough for the layers up to the tap. `observer` sees the taps up to and including it.
    public func activation(named name: String, for input: Tensor, backend: any ComputeBackend,
                           observer: ActivationObserver? = nil) -> Tensor? {
        guard layerNames.contains(name) else { return nil }
        checkInput(input, through: name)
        var pass = ForwardPass(network: self, backend: backend, observer: observer, target: name)
        _ = pass.run(spec.layers, input)
        return pass.captured
    }

    /// Whether `classify` is available (Lite0).
    public var canClassify: Bool { classifier != nil }

    /// Class logits `[N, classes]`: the feature map averaged over H and W, then the dense
    /// classifier. The observer also sees `global_pool` `[N, D]` and `logits`.
    ///
    /// - Precondition: `canClassify`.
    public func classify(_ input: Tensor, backend: any ComputeBackend, observer: ActivationObserver? = nil) -> Tensor {
        guard let classifier else { preconditionFailure("\(architecture.rawValue) has no classifier") }
        let features = features(input, backend: backend, observer: observer)
        let pooled = backend.globalAveragePool(features)
        observer?(Self.poolTap, pooled)
        let logits = backend.dense(pooled, weights: classifier.kernel, bias: classifier.bias)
        observer?(Self.logitsTap, logits)
        return logits
    }

    /// Every tap of the feature path in the order an observer sees it (without the classifier's).
    public var layerNames: [String] {
        var names: [String] = []
        // The walk needs a size it fits; names do not depend on it.
        _ = spec.walk(height: 1024, width: 1024) { names.append($0.name) }
        return names
    }

    private func checkInput(_ input: Tensor, through name: String?) {
        precondition(input.rank == 4 && input.shape[3] == 3,
                     "\(architecture.rawValue) takes NHWC [N, H, W, 3] input, got \(input.shape)")
        precondition(input.shape.allSatisfy { $0 > 0 }, "empty input \(input.shape)")
        precondition(spec.walk(height: input.shape[1], width: input.shape[2], through: name) != nil,
                     "a \(input.shape[1])×\(input.shape[2]) input is too small for \(architecture.rawValue)"
                        + " (minimum \(architecture.minimumInputSize)×\(architecture.minimumInputSize))")
    }
}

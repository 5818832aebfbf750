import MirrorCore

/// A fully connected layer: `kernel` `[inputs, outputs]` (TF dense layout) and `bias` `[outputs]`.
struct DenseLayer: Sendable {
    let kernel: Tensor
    let bias: [Float]
}

/// Turns validated weight-file tensors into engine layers.
enum NetworkWeights {
    /// The checks every network built from a weight file makes (`FeatureNetwork`,
    /// `TrainableNetwork`): the file's architecture, every tensor name and shape against
    /// `expected` (all problems at once), and a usable `bn_epsilon` where the network has BN.
    static func check(_ weights: WeightArchive, for architecture: Architecture, expected: [String: [Int]]) throws {
        guard weights.architecture == architecture.rawValue else {
            throw WeightError.architectureMismatch(path: weights.origin, expected: architecture.rawValue,
                                                   actual: weights.architecture)
        }
        try weights.validate(expected: expected)
        if architecture.usesBatchNorm {
            guard weights.bnEpsilon.isFinite && weights.bnEpsilon >= 0 else {
                throw WeightError.invalidAttribute(path: weights.origin, name: "bn_epsilon",
                                                   reason: "\(weights.bnEpsilon) is not a finite, non-negative ε")
            }
        }
    }

    /// The convolution `spec` with its batch norm folded in.
    ///
    /// BN (TF inference form, SPEC §2) `y = γ(x − μ)/√(σ² + ε) + β` becomes `w' = w·s`,
    /// `b' = (b − μ)·s + β` with `s = γ/√(σ² + ε)`, computed in Double and rounded once
    /// (`ConvolutionLayer.foldingBatchNorm`); the activation is fused into the convolution.
    /// Compared with TF's float `conv → BN` this changes only rounding, a relative error of a few
    /// `K·2⁻²⁴` (K = kh·kw·cin) of the output scale — the fixtures' tolerance (1e-4 of the rms) is
    /// far above it.
    ///
    /// - Precondition: `tensors` passed `WeightArchive.validate` for this network.
    static func convolution(_ spec: ConvolutionSpec, from tensors: [String: Tensor], epsilon: Float) -> ConvolutionLayer {
        let kernel = require(tensors, "\(spec.name)/kernel")
        let bias = spec.biased ? require(tensors, "\(spec.name)/bias").data : nil
        let layer = ConvolutionLayer(kernel: kernel, bias: bias, stride: spec.stride, padding: spec.padding,
                                     groups: spec.groups, activation: spec.batchNorm == nil ? spec.activation : .none,
                                     name: spec.name)
        guard let bn = spec.batchNorm else { return layer }
        func part(_ tensor: BatchNormTensor) -> [Float] { require(tensors, "\(bn)/\(tensor.rawValue)").data }
        let parameters = BatchNormParameters(gamma: part(.gamma), beta: part(.beta), mean: part(.movingMean),
                                             variance: part(.movingVariance), epsilon: epsilon)
        return layer.foldingBatchNorm(parameters, activation: spec.activation)
    }

    /// The convolution `spec` alone, without its batch norm and activation: a training stage read
    /// before its BN (ResNet `res5c_branch2c`, `StageSource.rawConvolution`).
    static func rawConvolution(_ spec: ConvolutionSpec, from tensors: [String: Tensor]) -> ConvolutionLayer {
        ConvolutionLayer(kernel: require(tensors, "\(spec.name)/kernel"),
                         bias: spec.biased ? require(tensors, "\(spec.name)/bias").data : nil, stride: spec.stride,
                         padding: spec.padding, groups: spec.groups, activation: .none, name: spec.name)
    }

    /// The classifier `spec` as a dense layer.
    static func dense(_ spec: ClassifierSpec, from tensors: [String: Tensor]) -> DenseLayer {
        DenseLayer(kernel: require(tensors, "\(spec.name)/kernel"), bias: require(tensors, "\(spec.name)/bias").data)
    }

    private static func require(_ tensors: [String: Tensor], _ name: String) -> Tensor {
        guard let tensor = tensors[name] else { preconditionFailure("validated weights lack \(name)") }
        return tensor
    }
}

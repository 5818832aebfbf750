import MirrorCore

/// What one training step's forward pass leaves for the backward pass.
public struct TrainingForwardPass {
    /// One feature map `[N, h, w, C]` per loss stage, in `TrainableNetwork.stages` order.
    public let stageMaps: [Tensor]
    /// The output of the last layer run: the map `extract` pools for Lite0 (`head`) and GoogLeNet
    /// (`inception_5b_output`), equal to `FeatureNetwork.features` within the engine bound since
    /// both run the same folded layers on the same engine ops; `res5c_relu` for ResNet, whose
    /// `pool5` no loss reads.
    public let output: Tensor
    let tape: [TapeEntry]
    /// This step's engine layers by convolution name (BN folded; stage convolutions raw).
    let layers: [String: ConvolutionLayer]
}

/// One recorded op, in execution order. Only tensors are stored; each op's hyper-parameters are
/// read again from the `NetworkSpec` during the backward walk, which mirrors the forward walk.
/// Stored inputs and outputs share storage with the activations themselves (copy-on-write
/// arrays), so the tape costs one copy of every activation, the minimum for a backward pass.
enum TapeEntry {
    /// A convolution with folded BN and fused activation: its input and activated output.
    case convolution(input: Tensor, output: Tensor)
    /// A stage convolution run unfolded: input, the raw convolution output (the stage map) and
    /// the output after its BN and activation.
    case rawConvolution(input: Tensor, raw: Tensor, output: Tensor)
    case maxPool(input: Tensor)
    case averagePool(inputShape: [Int])
    case localResponseNorm(input: Tensor)
    /// A block's output after `act(shortcut + body)`.
    case block(output: Tensor)
    case concatenation(widths: [Int])
    /// A side convolution feeding only the loss (GoogLeNet `*_loss`).
    case side(input: Tensor)
}

extension TrainableNetwork {
    /// Runs the network on a normalised NHWC batch `[N, H, W, 3]`, recording what the backward
    /// pass needs. Fused inference-only paths (Lite0's banded MBConv) are not used: their inner
    /// activations are needed for the gradients.
    public func forward(_ input: Tensor, backend: any ComputeBackend) -> TrainingForwardPass {
        precondition(input.rank == 4 && input.shape[3] == 3, "training input must be NHWC [N, H, W, 3], got \(input.shape)")
        precondition(canTrain(height: input.shape[1], width: input.shape[2]),
                     "a \(input.shape[1])×\(input.shape[2]) input is too small for \(architecture.rawValue)")
        var recorder = TapeRecorder(network: self, backend: backend, layers: stepLayers())
        let output = recorder.run(trainingLayers, input)
        let maps = recorder.stageMaps.enumerated().map { index, map -> Tensor in
            guard let map else { preconditionFailure("stage \(stages[index].name) was not produced") }
            return map
        }
        return TrainingForwardPass(stageMaps: maps, output: output, tape: recorder.tape, layers: recorder.layers)
    }

    /// Whether a training step can run on `height×width` inputs (every window fits).
    public func canTrain(height: Int, width: Int) -> Bool {
        height > 0 && width > 0 && NetworkSpec(layers: trainingLayers).walk(height: height, width: width) != nil
    }

    /// The engine layers of the current parameters: BN folded into each convolution exactly as
    /// `FeatureNetwork` does, except a stage read before its BN (ResNet), which stays raw.
    func stepLayers() -> [String: ConvolutionLayer] {
        var layers: [String: ConvolutionLayer] = [:]
        let raw = Set(stageSources.compactMap { source -> String? in
            if case .rawConvolution(let name) = source { return name }
            return nil
        })
        for conv in spec.convolutions {
            layers[conv.name] = raw.contains(conv.name)
                ? NetworkWeights.rawConvolution(conv, from: parameters)
                : NetworkWeights.convolution(conv, from: parameters, epsilon: bnEpsilon)
        }
        for case .sideConvolution(_, let conv) in stageSources {
            layers[conv.name] = NetworkWeights.convolution(conv, from: parameters, epsilon: bnEpsilon)
        }
        return layers
    }

    /// The frozen BN after convolution `spec` (nil without BN).
    func batchNorm(after spec: ConvolutionSpec) -> BatchNormParameters? {
        guard let bn = spec.batchNorm else { return nil }
        func part(_ tensor: BatchNormTensor) -> [Float] { parameters["\(bn)/\(tensor.rawValue)"]!.data }
        return BatchNormParameters(gamma: part(.gamma), beta: part(.beta), mean: part(.movingMean),
                                   variance: part(.movingVariance), epsilon: bnEpsilon)
    }
}

extension LayerSpec {
    /// Whether this layer produces (or contains the producer of) a stage's input.
    func feeds(_ source: StageSource) -> Bool {
        switch source {
        case .sideConvolution(let tap, _): return outputTap == tap
        case .convolutionOutput(let tap): return containsConvolution { $0.tap == tap }
        case .rawConvolution(let name): return containsConvolution { $0.name == name }
        }
    }

    private func containsConvolution(where matches: (ConvolutionSpec) -> Bool) -> Bool {
        switch self {
        case .convolution(let spec): return matches(spec)
        case .maxPool, .averagePool, .localResponseNorm: return false
        case .block(let block):
            var layers = block.body
            if case .projection(let projection) = block.shortcut { layers += projection }
            return layers.contains { $0.containsConvolution(where: matches) }
        case .concatenation(_, let branches): return branches.joined().contains { $0.containsConvolution(where: matches) }
        }
    }

    /// The tap name under which this layer's output is known (a side branch's source).
    var outputTap: String {
        switch self {
        case .convolution(let spec): return spec.tap
        case .maxPool(let name, _, _, _), .averagePool(let name, _, _, _),
             .localResponseNorm(let name, _, _, _, _), .concatenation(let name, _):
            return name
        case .block(let block): return block.name
        }
    }
}

/// The forward walk of a training step (the recording twin of `ForwardPass`).
struct TapeRecorder {
    let network: TrainableNetwork
    let backend: any ComputeBackend
    let layers: [String: ConvolutionLayer]
    private(set) var tape: [TapeEntry] = []
    private(set) var stageMaps: [Tensor?]

    init(network: TrainableNetwork, backend: any ComputeBackend, layers: [String: ConvolutionLayer]) {
        self.network = network
        self.backend = backend
        self.layers = layers
        stageMaps = Array(repeating: nil, count: network.stages.count)
    }

    mutating func run(_ specs: [LayerSpec], _ input: Tensor) -> Tensor {
        var x = input
        for layer in specs {
            x = run(layer, x)
            for (index, source) in network.stageSources.enumerated() {
                guard case .sideConvolution(let tap, let conv) = source, tap == layer.outputTap else { continue }
                tape.append(.side(input: x))
                stageMaps[index] = backend.conv2d(x, layers[conv.name]!)
            }
        }
        return x
    }

    private mutating func run(_ layer: LayerSpec, _ x: Tensor) -> Tensor {
        switch layer {
        case .convolution(let spec):
            let conv = layers[spec.name]!
            if let stage = network.stageSources.firstIndex(of: .rawConvolution(name: spec.name)) {
                let raw = backend.conv2d(x, conv)
                let y = network.batchNorm(after: spec).map { backend.batchNorm(raw, $0, activation: spec.activation) }
                    ?? backend.activate(raw, spec.activation)
                tape.append(.rawConvolution(input: x, raw: raw, output: y))
                stageMaps[stage] = raw
                return y
            }
            let y = backend.conv2d(x, conv)
            tape.append(.convolution(input: x, output: y))
            if let stage = network.stageSources.firstIndex(of: .convolutionOutput(tap: spec.tap)) { stageMaps[stage] = y }
            return y
        case .maxPool(_, let window, let stride, let padding):
            tape.append(.maxPool(input: x))
            return backend.maxPool(x, window: window, stride: stride, padding: padding)
        case .averagePool(_, let window, let stride, let padding):
            tape.append(.averagePool(inputShape: x.shape))
            return backend.avgPool(x, window: window, stride: stride, padding: padding)
        case .localResponseNorm(_, let depthRadius, let bias, let alpha, let beta):
            tape.append(.localResponseNorm(input: x))
            return backend.lrn(x, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
        case .block(let block):
            var shortcut: Tensor?
            switch block.shortcut {
            case .none: shortcut = nil
            case .identity: shortcut = x
            case .projection(let projection): shortcut = run(projection, x)
            }
            let body = run(block.body, x)
            let y: Tensor
            if let shortcut {
                y = backend.add(shortcut, body, activation: block.activation)
            } else {
                y = block.activation == .none ? body : backend.activate(body, block.activation)
            }
            tape.append(.block(output: y))
            return y
        case .concatenation(_, let branches):
            var outputs: [Tensor] = []
            for branch in branches { outputs.append(run(branch, x)) }
            tape.append(.concatenation(widths: outputs.map { $0.shape[3] }))
            return backend.concatChannels(outputs)
        }
    }
}

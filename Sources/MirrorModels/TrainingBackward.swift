import MirrorCore

extension TrainableNetwork {
    /// The gradient of the loss with respect to every trainable parameter, given the loss's
    /// gradient with respect to each stage map (`pass.stageMaps` shapes).
    ///
    /// Walks the `NetworkSpec` backwards, popping the tape the forward walk pushed. A gradient that
    /// is known to be zero is carried as nil and costs nothing: ResNet's layers after its stage
    /// (`bn5c_branch2c`, the last add, `pool5`) get no data gradient, as in the seed's graph. Every
    /// trainable name is in the result (zeros where no gradient arrives; weight decay still
    /// applies to those in the optimizer). Kernels are HWIO like the weights.
    public func backward(_ pass: TrainingForwardPass, stageGradients: [Tensor],
                         backend: any ComputeBackend) -> [String: Tensor] {
        precondition(stageGradients.count == stages.count, "\(stageGradients.count) stage gradients for \(stages.count) stages")
        for (gradient, map) in zip(stageGradients, pass.stageMaps) {
            precondition(gradient.shape == map.shape, "stage gradient \(gradient.shape) for a \(map.shape) map")
        }
        var walker = TapeWalker(network: self, backend: backend, layers: pass.layers, tape: pass.tape,
                                stageGradients: stageGradients)
        _ = walker.backward(trainingLayers, nil, isInput: true, firstLayer: firstTrainedLayer)
        let trained = Set(trainableNames)
        var gradients = walker.gradients.filter { trained.contains($0.key) }
        for name in trainableNames where gradients[name] == nil {
            gradients[name] = Tensor(shape: parameters[name]!.shape)
        }
        return gradients
    }
}

/// The backward walk of a training step (the mirror image of `TapeRecorder.run`).
struct TapeWalker {
    let network: TrainableNetwork
    let backend: any ComputeBackend
    let layers: [String: ConvolutionLayer]
    var tape: [TapeEntry]
    let stageGradients: [Tensor]
    private(set) var gradients: [String: Tensor] = [:]

    init(network: TrainableNetwork, backend: any ComputeBackend, layers: [String: ConvolutionLayer],
         tape: [TapeEntry], stageGradients: [Tensor]) {
        self.network = network
        self.backend = backend
        self.layers = layers
        self.tape = tape
        self.stageGradients = stageGradients
    }

    /// `isInput`: the layers read the network input, whose gradient nobody needs (the first
    /// convolution then skips its input-gradient GEMM). `firstLayer`: layers before it are frozen,
    /// so the walk stops there and the first trained layer computes no input gradient.
    mutating func backward(_ specs: [LayerSpec], _ gradient: Tensor?, isInput: Bool = false, firstLayer: Int = 0) -> Tensor? {
        var g = gradient
        for (index, layer) in specs.enumerated().reversed() where index >= firstLayer {
            for (stage, source) in network.stageSources.enumerated().reversed() {
                guard case .sideConvolution(let tap, let conv) = source, tap == layer.outputTap else { continue }
                guard case .side(let input) = tape.removeLast() else { preconditionFailure("tape out of step at \(conv.name)") }
                g = sum(g, convolution(conv, input: input, preActivationGradient: stageGradients[stage],
                                       needsInputGradient: true))
            }
            g = backward(layer, g, isInput: isInput && index == firstLayer)
        }
        return g
    }

    private mutating func backward(_ layer: LayerSpec, _ gradient: Tensor?, isInput: Bool) -> Tensor? {
        switch layer {
        case .convolution(let spec):
            switch tape.removeLast() {
            case .convolution(let input, let output):
                var g = gradient
                if let stage = network.stageSources.firstIndex(of: .convolutionOutput(tap: spec.tap)) {
                    g = sum(g, stageGradients[stage])
                }
                guard let g else { return nil }
                let pre = spec.activation == .none ? g : backend.activationBackward(g, output: output, spec.activation)
                return convolution(spec, input: input, preActivationGradient: pre, needsInputGradient: !isInput)
            case .rawConvolution(let input, let raw, let output):
                var g: Tensor?
                if let gradient {
                    let pre = spec.activation == .none ? gradient
                        : backend.activationBackward(gradient, output: output, spec.activation)
                    if let bn = network.batchNorm(after: spec), let names = spec.batchNorm {
                        let result = FoldedConvolutionGradients.batchNormBackward(pre, input: raw, bn)
                        accumulate("\(names)/gamma", Tensor(shape: [bn.channels], data: result.gamma))
                        accumulate("\(names)/beta", Tensor(shape: [bn.channels], data: result.beta))
                        g = result.input
                    } else {
                        g = pre
                    }
                }
                if let stage = network.stageSources.firstIndex(of: .rawConvolution(name: spec.name)) {
                    g = sum(g, stageGradients[stage])
                }
                guard let g else { return nil }
                return rawConvolution(spec, input: input, gradient: g, needsInputGradient: !isInput)
            default: preconditionFailure("tape out of step at \(spec.name)")
            }
        case .maxPool(let name, let window, let stride, let padding):
            guard case .maxPool(let input) = tape.removeLast() else { preconditionFailure("tape out of step at \(name)") }
            return gradient.map { backend.maxPoolBackward($0, input: input, window: window, stride: stride, padding: padding) }
        case .averagePool(let name, let window, let stride, let padding):
            guard case .averagePool(let shape) = tape.removeLast() else { preconditionFailure("tape out of step at \(name)") }
            return gradient.map { backend.avgPoolBackward($0, inputShape: shape, window: window, stride: stride, padding: padding) }
        case .localResponseNorm(let name, let depthRadius, let bias, let alpha, let beta):
            guard case .localResponseNorm(let input) = tape.removeLast() else { preconditionFailure("tape out of step at \(name)") }
            return gradient.map {
                backend.lrnBackward($0, input: input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
            }
        case .block(let block):
            guard case .block(let output) = tape.removeLast() else { preconditionFailure("tape out of step at \(block.name)") }
            let g = gradient.map { block.activation == .none ? $0 : backend.activationBackward($0, output: output, block.activation) }
            let body = backward(block.body, g, isInput: isInput)
            switch block.shortcut {
            case .none: return body
            case .identity: return sum(body, g)
            case .projection(let projection): return sum(body, backward(projection, g, isInput: isInput))
            }
        case .concatenation(let name, let branches):
            guard case .concatenation(let widths) = tape.removeLast() else { preconditionFailure("tape out of step at \(name)") }
            let pieces = gradient.map { backend.splitChannels($0, widths: widths) }
            var g: Tensor?
            for (index, branch) in branches.enumerated().reversed() {
                g = sum(g, backward(branch, pieces?[index], isInput: isInput))
            }
            return g
        }
    }

    /// Backward through a folded convolution: its input gradient (unless `needsInputGradient` is
    /// false) and the raw parameters' gradients, accumulated into `gradients`.
    private mutating func convolution(_ spec: ConvolutionSpec, input: Tensor, preActivationGradient g: Tensor,
                                      needsInputGradient: Bool) -> Tensor? {
        let layer = layers[spec.name]!
        let folded = backend.conv2dBackwardFilter(input, g, layer)
        for (name, value) in FoldedConvolutionGradients.raw(folded, spec: spec, parameters: network.parameters,
                                                           batchNorm: network.batchNorm(after: spec)) {
            accumulate(name, value)
        }
        return needsInputGradient ? backend.conv2dBackwardInput(g, layer, inputShape: input.shape) : nil
    }

    /// Backward through a stage convolution run without its BN: plain kernel and bias gradients.
    private mutating func rawConvolution(_ spec: ConvolutionSpec, input: Tensor, gradient g: Tensor,
                                         needsInputGradient: Bool) -> Tensor? {
        let layer = layers[spec.name]!
        let result = backend.conv2dBackwardFilter(input, g, layer)
        accumulate("\(spec.name)/kernel", result.kernel)
        if spec.biased { accumulate("\(spec.name)/bias", Tensor(shape: [result.bias.count], data: result.bias)) }
        return needsInputGradient ? backend.conv2dBackwardInput(g, layer, inputShape: input.shape) : nil
    }

    private mutating func accumulate(_ name: String, _ value: Tensor) {
        if let existing = gradients[name] {
            gradients[name] = backend.add(existing, value)
        } else {
            gradients[name] = value
        }
    }

    private func sum(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
        guard let a else { return b }
        guard let b else { return a }
        return backend.add(a, b)
    }
}

import MirrorCore

/// One forward pass: interprets a `NetworkSpec` on a backend. The shape-only twin is
/// `ShapeWalker` (`NetworkSpec+Shapes.swift`); both visit taps in the same order.
struct ForwardPass {
    let network: FeatureNetwork
    let backend: any ComputeBackend
    let observer: ActivationObserver?
    /// Stop once this tap has been produced (`FeatureNetwork.activation(named:for:backend:)`).
    let target: String?
    private(set) var captured: Tensor?

    /// Whether fused ops that hide a seed tap run split (observing every tap or stopping at one).
    private let reportsEverything: Bool

    init(network: FeatureNetwork, backend: any ComputeBackend, observer: ActivationObserver?, target: String?,
         innerTaps: Bool = true) {
        self.network = network
        self.backend = backend
        self.observer = observer
        self.target = target
        reportsEverything = target != nil || (observer != nil && innerTaps)
    }

    private var finished: Bool { captured != nil }

    private mutating func report(_ name: String, _ output: Tensor) {
        observer?(name, output)
        if name == target { captured = output }
    }

    mutating func run(_ layers: [LayerSpec], _ input: Tensor) -> Tensor {
        var x = input
        for layer in layers {
            if finished { break }
            x = run(layer, x)
        }
        return x
    }

    private mutating func run(_ layer: LayerSpec, _ x: Tensor) -> Tensor {
        switch layer {
        case .convolution(let spec):
            guard let conv = network.convolutions[spec.name] else { preconditionFailure("no layer \(spec.name)") }
            let y = backend.conv2d(x, conv)
            report(spec.tap, y)
            return y
        case .maxPool(let name, let window, let stride, let padding):
            let y = backend.maxPool(x, window: window, stride: stride, padding: padding)
            report(name, y)
            return y
        case .averagePool(let name, let window, let stride, let padding):
            let y = backend.avgPool(x, window: window, stride: stride, padding: padding)
            report(name, y)
            return y
        case .localResponseNorm(let name, let depthRadius, let bias, let alpha, let beta):
            let y = backend.lrn(x, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
            report(name, y)
            return y
        case .block(let block):
            return run(block, x)
        case .concatenation(let name, let branches):
            var outputs: [Tensor] = []
            for branch in branches {
                outputs.append(run(branch, x))
                if finished { return x }
            }
            let y = backend.concatChannels(outputs)
            report(name, y)
            return y
        }
    }

    private mutating func run(_ block: BlockSpec, _ x: Tensor) -> Tensor {
        if !reportsEverything, let fused = invertedBottleneck(block) {
            let y = backend.invertedBottleneck(x, fused)
            report(block.name, y)
            return y
        }
        var shortcut: Tensor?
        switch block.shortcut {
        case .none: shortcut = nil
        case .identity: shortcut = x
        case .projection(let layers): shortcut = run(layers, x)
        }
        if finished { return x }
        let body = run(block.body, x)
        if finished { return x }
        let y: Tensor
        if let shortcut {
            if let sumTap = block.sumTap, reportsEverything {
                // The sum is rounded once either way and the activation is exact: bit-identical to the fused op.
                let sum = backend.add(shortcut, body)
                report(sumTap, sum)
                y = block.activation == .none ? sum : backend.activate(sum, block.activation)
            } else {
                y = backend.add(shortcut, body, activation: block.activation)
            }
        } else {
            y = block.activation == .none ? body : backend.activate(body, block.activation)
        }
        report(block.name, y)
        return y
    }

    /// The block as one engine op when it is an inverted bottleneck (Lite0's MBConv blocks):
    /// `[expand,] depthwise, project` with no activation after the shortcut and none on the
    /// projection where a shortcut is added (so `act(project + x)` is `project + x`). Its
    /// inner taps are then not produced, hence only when nobody observes them.
    private func invertedBottleneck(_ block: BlockSpec) -> InvertedBottleneck? {
        guard block.activation == .none else { return nil }
        let addsInput: Bool
        switch block.shortcut {
        case .none: addsInput = false
        case .identity: addsInput = true
        case .projection: return nil
        }
        let layers = block.body.compactMap { layer -> ConvolutionLayer? in
            if case .convolution(let spec) = layer { return network.convolutions[spec.name] }
            return nil
        }
        guard layers.count == block.body.count, layers.count == 2 || layers.count == 3,
              !addsInput || layers.last!.activation == .none else { return nil }
        return InvertedBottleneck(expand: layers.count == 3 ? layers[0] : nil, depthwise: layers[layers.count - 2],
                                  project: layers[layers.count - 1], addsInput: addsInput)
    }
}

import MirrorCore

/// One reported layer of a network at a given input size: what `FeatureNetwork` hands its
/// observer under `name`, and what it costs.
public struct LayerSummary: Equatable, Sendable {
    /// The tap name (the seed graph's node name; see `FeatureNetwork.features(_:backend:observer:)`).
    public let name: String
    /// `[height, width, channels]` of one image's output (`[1, 1, classes]` for the classifier).
    public let shape: [Int]
    /// Multiply-adds per image: `outH·outW·k²·(cin/groups)·cout` for a convolution,
    /// `inputs·classes` for the classifier, 0 for pools, LRN, additions and concatenations.
    public let multiplyAdds: Int
}

/// Height, width and channels of one image's activation.
struct ActivationShape: Equatable {
    var height: Int
    var width: Int
    var channels: Int

    var dimensions: [Int] { [height, width, channels] }
}

extension NetworkSpec {
    /// Runs the layer arithmetic (SPEC §2, `Padding.resolve`, the same code the engines use) over
    /// an `height×width×3` input without any weights.
    ///
    /// - Parameters:
    ///   - through: stop after the tap of this name (nil: the whole feature path).
    ///   - visit: called for every tap in the order `FeatureNetwork` reports them to an observer.
    /// - Returns: nil when a window does not fit (e.g. the ResNet's 7×7 VALID `pool5` on a `res5c`
    ///   smaller than 7×7): the network cannot run there. Otherwise the output shape of the whole
    ///   path (meaningful only without `through`).
    func walk(height: Int, width: Int, through: String? = nil,
              visit: (LayerSummary) -> Void = { _ in }) -> ActivationShape? {
        withoutActuallyEscaping(visit) { visit in
            var walker = ShapeWalker(target: through, visit: visit)
            let shape = walker.walk(layers, ActivationShape(height: height, width: width, channels: 3))
            if let through, shape != nil, !walker.reachedTarget { preconditionFailure("no layer named \(through)") }
            return shape
        }
    }

    /// The taps of the feature path and of the classifier (if any) in reporting order.
    func summaries(height: Int, width: Int) -> [LayerSummary]? {
        var all: [LayerSummary] = []
        guard let last = walk(height: height, width: width, visit: { all.append($0) }) else { return nil }
        if let classifier {
            precondition(last.channels == classifier.inputs, "classifier expects \(classifier.inputs) channels")
            all.append(LayerSummary(name: FeatureNetwork.poolTap, shape: [1, 1, last.channels], multiplyAdds: 0))
            all.append(LayerSummary(name: FeatureNetwork.logitsTap, shape: [1, 1, classifier.classes],
                                    multiplyAdds: classifier.inputs * classifier.classes))
        }
        return all
    }
}

/// Output extent of a `kernel×kernel` window over `height×width`, or nil when it does not fit.
func windowOutput(height: Int, width: Int, kernel: Int, stride: Int, padding: Padding) -> (height: Int, width: Int)? {
    guard height > 0 && width > 0 else { return nil }
    switch padding {
    case .same: break
    case .valid:
        guard height >= kernel && width >= kernel else { return nil }
    case .explicit(let top, let bottom, let left, let right):
        guard height + top + bottom >= kernel && width + left + right >= kernel else { return nil }
    }
    let window = padding.resolve(inputHeight: height, inputWidth: width, kernelHeight: kernel,
                                 kernelWidth: kernel, stride: stride)
    return (window.height.output, window.width.output)
}

/// The shape-only twin of the forward pass in `FeatureNetwork+Forward.swift`: same recursion,
/// same tap order, same early stop.
private struct ShapeWalker {
    let target: String?
    let visit: (LayerSummary) -> Void
    var reachedTarget = false

    mutating func report(_ name: String, _ shape: ActivationShape, multiplyAdds: Int = 0) {
        guard !reachedTarget else { return }
        visit(LayerSummary(name: name, shape: shape.dimensions, multiplyAdds: multiplyAdds))
        if name == target { reachedTarget = true }
    }

    mutating func walk(_ layers: [LayerSpec], _ input: ActivationShape) -> ActivationShape? {
        var shape = input
        for layer in layers {
            if reachedTarget { break }
            guard let next = walk(layer, shape) else { return nil }
            shape = next
        }
        return shape
    }

    mutating func walk(_ layer: LayerSpec, _ input: ActivationShape) -> ActivationShape? {
        switch layer {
        case .convolution(let conv):
            precondition(input.channels == conv.inputChannels,
                         "\(conv.name) expects \(conv.inputChannels) channels, gets \(input.channels)")
            guard let out = windowOutput(height: input.height, width: input.width, kernel: conv.kernelSize,
                                         stride: conv.stride, padding: conv.padding) else { return nil }
            let shape = ActivationShape(height: out.height, width: out.width, channels: conv.outputChannels)
            let perOutput = conv.kernelSize * conv.kernelSize * (conv.inputChannels / conv.groups)
            report(conv.tap, shape, multiplyAdds: out.height * out.width * conv.outputChannels * perOutput)
            return shape
        case .maxPool(let name, let window, let stride, let padding),
             .averagePool(let name, let window, let stride, let padding):
            guard let out = windowOutput(height: input.height, width: input.width, kernel: window,
                                         stride: stride, padding: padding) else { return nil }
            let shape = ActivationShape(height: out.height, width: out.width, channels: input.channels)
            report(name, shape)
            return shape
        case .localResponseNorm(let name, _, _, _, _):
            report(name, input)
            return input
        case .block(let block):
            var shortcut: ActivationShape? = nil
            switch block.shortcut {
            case .none: break
            case .identity: shortcut = input
            case .projection(let layers):
                guard let projected = walk(layers, input) else { return nil }
                shortcut = projected
            }
            guard let body = walk(block.body, input) else { return nil }
            guard !reachedTarget else { return body }
            if let shortcut {
                precondition(shortcut == body, "\(block.name): shortcut \(shortcut) and body \(body) differ")
                if let sumTap = block.sumTap { report(sumTap, body) }
            }
            report(block.name, body)
            return body
        case .concatenation(let name, let branches):
            var outputs: [ActivationShape] = []
            for branch in branches {
                guard let out = walk(branch, input) else { return nil }
                outputs.append(out)
            }
            guard !reachedTarget else { return outputs.last }
            precondition(Set(outputs.map { [$0.height, $0.width] }).count == 1, "\(name): branch sizes differ")
            let shape = ActivationShape(height: outputs[0].height, width: outputs[0].width,
                                        channels: outputs.reduce(0) { $0 + $1.channels })
            report(name, shape)
            return shape
        }
    }
}

import Foundation
import MirrorCore

extension NaiveKernels {
    /// `act(a + b)` elementwise; shapes must be equal (no broadcasting).
    public static func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor {
        precondition(a.shape == b.shape, "add needs equal shapes, got \(a.shape) and \(b.shape)")
        var output = a
        for i in 0..<output.count { output.data[i] = activation.apply(a.data[i] + b.data[i]) }
        return output
    }

    /// `act(x)` elementwise.
    public static func activate(_ input: Tensor, _ activation: Activation) -> Tensor {
        var output = input
        for i in 0..<output.count { output.data[i] = activation.apply(input.data[i]) }
        return output
    }

    /// Concatenation along the last axis.
    public static func concatChannels(_ inputs: [Tensor]) -> Tensor {
        precondition(!inputs.isEmpty, "concat of no tensors")
        let outer = Array(inputs[0].shape.dropLast())
        precondition(inputs.allSatisfy { $0.rank >= 1 && Array($0.shape.dropLast()) == outer },
                     "concat needs equal leading extents, got \(inputs.map(\.shape))")
        let widths = inputs.map { $0.shape.last! }
        let total = widths.reduce(0, +)
        let rows = outer.reduce(1, *)
        var output = Tensor(shape: outer + [total])
        for row in 0..<rows {
            var column = 0
            for (tensor, width) in zip(inputs, widths) {
                for c in 0..<width { output.data[row * total + column + c] = tensor.data[row * width + c] }
                column += width
            }
        }
        return output
    }

    /// TF CPU batch norm on the last axis: `act((x − μ)·s + β)` in Float, with
    /// `s = γ/√(σ²+ε)` computed in Double and rounded once.
    public static func batchNorm(_ input: Tensor, _ parameters: BatchNormParameters, activation: Activation) -> Tensor {
        let channels = parameters.channels
        precondition(input.shape.last == channels, "BN over \(channels) channels applied to shape \(input.shape)")
        let scale = parameters.scaleFactors().map { Float($0) }
        var output = input
        for i in 0..<output.count {
            let c = i % channels
            let centred = (input.data[i] - parameters.mean[c]) * scale[c] + (parameters.beta?[c] ?? 0)
            output.data[i] = activation.apply(centred)
        }
        return output
    }

    /// TF `local_response_normalization` across the last axis:
    /// `sq[c] = Σ_{c'=max(0,c−r)}^{min(C−1,c+r)} x[c']²`, `y = x/(bias + alpha·sq)^beta`
    /// (alpha not divided by the window size; SPEC §2). Computed in Double, rounded once.
    public static func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        precondition(depthRadius >= 0, "LRN depth radius must be non-negative")
        let channels = input.shape.last ?? 0
        var output = input
        for row in 0..<(channels == 0 ? 0 : input.count / channels) {
            let base = row * channels
            for c in 0..<channels {
                var squares = 0.0
                for other in max(0, c - depthRadius)...min(channels - 1, c + depthRadius) {
                    squares += Double(input.data[base + other]) * Double(input.data[base + other])
                }
                let denominator = pow(Double(bias) + Double(alpha) * squares, Double(beta))
                output.data[base + c] = Float(Double(input.data[base + c]) / denominator)
            }
        }
        return output
    }
}

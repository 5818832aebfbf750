import Foundation
import MirrorCore

extension NaiveKernels {
    /// `∂L/∂x` of `y = act(x)` from the forward output `y`: `relu` passes where `y > 0`, `relu6`
    /// where `0 < y < 6` (strict, PyTorch's relu6/hardtanh backward: the gradient at a clipped
    /// boundary is 0), `none` everywhere. A NaN output passes nothing.
    public static func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor {
        precondition(gradOutput.shape == output.shape,
                     "activation gradient shape \(gradOutput.shape) differs from the output shape \(output.shape)")
        var result = gradOutput
        for i in 0..<result.count {
            let y = output.data[i]
            switch activation {
            case .none: break
            case .relu: if !(y > 0) { result.data[i] = 0 }
            case .relu6: if !(y > 0 && y < 6) { result.data[i] = 0 }
            }
        }
        return result
    }

    /// `∂L/∂x` of TF `lrn` per pixel, in Double, rounded once. With
    /// `D_c = bias + α·Σ_{|c'−c|≤r} x_c'²` and `y_c = x_c·D_c^−β`, every `D_c` depends on `x_j`
    /// for `|c−j| ≤ r` (a symmetric window), so
    /// `dx_j = g_j·D_j^−β − 2αβ·x_j·Σ_{|c−j|≤r} g_c·x_c·D_c^(−β−1)`.
    public static func lrnBackward(_ gradOutput: Tensor, input: Tensor, depthRadius: Int, bias: Float, alpha: Float,
                                   beta: Float) -> Tensor {
        precondition(depthRadius >= 0, "LRN depth radius must be non-negative")
        precondition(gradOutput.shape == input.shape,
                     "LRN gradient shape \(gradOutput.shape) differs from the input shape \(input.shape)")
        let channels = input.shape.last ?? 0
        let (b, a, be) = (Double(bias), Double(alpha), Double(beta))
        var result = input
        var denominators = [Double](repeating: 0, count: channels)
        var terms = [Double](repeating: 0, count: channels)
        for row in 0..<(channels == 0 ? 0 : input.count / channels) {
            let base = row * channels
            for c in 0..<channels {
                var squares = 0.0
                for other in max(0, c - depthRadius)...min(channels - 1, c + depthRadius) {
                    squares += Double(input.data[base + other]) * Double(input.data[base + other])
                }
                denominators[c] = b + a * squares
                terms[c] = Double(gradOutput.data[base + c]) * Double(input.data[base + c]) * pow(denominators[c], -be - 1)
            }
            for j in 0..<channels {
                var window = 0.0
                for c in max(0, j - depthRadius)...min(channels - 1, j + depthRadius) { window += terms[c] }
                let direct = Double(gradOutput.data[base + j]) * pow(denominators[j], -be)
                result.data[base + j] = Float(direct - 2 * a * be * Double(input.data[base + j]) * window)
            }
        }
        return result
    }

    /// Concatenation's backward: consecutive slices of the last axis of the given widths.
    public static func splitChannels(_ input: Tensor, widths: [Int]) -> [Tensor] {
        precondition(input.rank >= 1, "split of a scalar")
        let total = input.shape.last!
        precondition(widths.allSatisfy { $0 >= 0 } && widths.reduce(0, +) == total,
                     "split widths \(widths) do not add up to the \(total) channels of \(input.shape)")
        let outer = Array(input.shape.dropLast())
        let rows = outer.reduce(1, *)
        var first = 0
        return widths.map { width in
            var piece = Tensor(shape: outer + [width])
            for row in 0..<rows {
                for c in 0..<width { piece.data[row * width + c] = input.data[row * total + first + c] }
            }
            first += width
            return piece
        }
    }
}

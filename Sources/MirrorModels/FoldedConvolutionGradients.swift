import MirrorCore

/// The chain rule through BN folding: training runs each convolution with its frozen batch norm
/// folded in (`w' = w·s`, `b' = (b − μ)·s + β`, `s = γ/√(σ² + ε)` per output channel, as
/// `ConvolutionLayer.foldingBatchNorm`), and the engines return the gradients of `w'` and `b'`;
/// the optimizer updates the weight file's own tensors, so those gradients are mapped back:
///
/// - `∂L/∂w = ∂L/∂w' · s`
/// - `∂L/∂b = ∂L/∂b' · s` (biased convolutions: ResNet `conv1`)
/// - `∂L/∂β = ∂L/∂b'`
/// - `∂L/∂γ = (Σ_k ∂L/∂w'_k · w_k + ∂L/∂b' · (b − μ)) / √(σ² + ε)`, k over the channel's kernel taps.
///
/// All in Double, rounded once. Without BN the gradients are the engine's, renamed.
enum FoldedConvolutionGradients {
    static func raw(_ folded: ConvolutionGradients, spec: ConvolutionSpec, parameters: [String: Tensor],
                    batchNorm: BatchNormParameters?) -> [(String, Tensor)] {
        let cout = spec.outputChannels
        guard let bn = batchNorm, let bnName = spec.batchNorm else {
            var result = [("\(spec.name)/kernel", folded.kernel)]
            if spec.biased { result.append(("\(spec.name)/bias", Tensor(shape: [cout], data: folded.bias))) }
            return result
        }
        let kernel = parameters["\(spec.name)/kernel"]!
        let bias = spec.biased ? parameters["\(spec.name)/bias"]!.data : nil
        let scale = bn.scaleFactors()
        let inverseDeviation = (0..<cout).map { 1 / (Double(bn.variance[$0]) + Double(bn.epsilon)).squareRoot() }
        var kernelGradient = folded.kernel
        var gammaSum = [Double](repeating: 0, count: cout)
        kernel.data.withUnsafeBufferPointer { w in
            kernelGradient.data.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count {
                    let c = i % cout
                    gammaSum[c] += Double(g[i]) * Double(w[i])
                    g[i] = Float(Double(g[i]) * scale[c])
                }
            }
        }
        let gamma = (0..<cout).map { c -> Float in
            let shifted = Double(bias?[c] ?? 0) - Double(bn.mean[c])
            return Float((gammaSum[c] + Double(folded.bias[c]) * shifted) * inverseDeviation[c])
        }
        var result = [("\(spec.name)/kernel", kernelGradient),
                      ("\(bnName)/gamma", Tensor(shape: [cout], data: gamma)),
                      ("\(bnName)/beta", Tensor(shape: [cout], data: folded.bias))]
        if spec.biased {
            result.append(("\(spec.name)/bias", Tensor(shape: [cout], data: (0..<cout).map { Float(Double(folded.bias[$0]) * scale[$0]) })))
        }
        return result
    }

    /// Backward through a frozen BN `y = (x − μ)·s + β` on the last axis, given `∂L/∂y`:
    /// `∂L/∂x = ∂L/∂y · s`, `∂L/∂γ = Σ ∂L/∂y · (x − μ)/√(σ² + ε)`, `∂L/∂β = Σ ∂L/∂y` (sums over every
    /// position). Used where a stage reads a convolution before its BN (ResNet `res5c_branch2c`).
    static func batchNormBackward(_ gradient: Tensor, input: Tensor, _ bn: BatchNormParameters)
        -> (input: Tensor, gamma: [Float], beta: [Float]) {
        precondition(gradient.shape == input.shape && gradient.shape.last == bn.channels)
        let channels = bn.channels
        let scale = bn.scaleFactors()
        let inverseDeviation = (0..<channels).map { 1 / (Double(bn.variance[$0]) + Double(bn.epsilon)).squareRoot() }
        var gammaSum = [Double](repeating: 0, count: channels), betaSum = [Double](repeating: 0, count: channels)
        var inputGradient = gradient
        input.data.withUnsafeBufferPointer { x in
            inputGradient.data.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count {
                    let c = i % channels
                    let dy = Double(g[i])
                    gammaSum[c] += dy * (Double(x[i]) - Double(bn.mean[c])) * inverseDeviation[c]
                    betaSum[c] += dy
                    g[i] = Float(dy * scale[c])
                }
            }
        }
        return (inputGradient, gammaSum.map { Float($0) }, betaSum.map { Float($0) })
    }
}

import Foundation
import MirrorCore

/// Adam with TensorFlow's `AdamOptimizer` semantics (the seed's commented-out alternative in
/// `solver()`), offered as an option of `mirror train`.
///
/// Per value, with g the data gradient plus `wd · w` and t = step + 1:
///
///     m    ← m + (g − m)(1 − β1)              (= β1 m + (1 − β1) g; m, v start at 0)
///     v    ← v + (g² − v)(1 − β2)
///     lr_t = lr · multiplier · √(1 − β2^t) / (1 − β1^t)
///     w    ← w − lr_t · m / (√v + ε)
///
/// This is TF's form (`ApplyAdam`): the bias correction folded into the rate and ε added to
/// √v uncorrected — not the paper's ε on √v̂, which differs while v is small. TF keeps β^t as
/// float32 variables multiplied every step; here it is `pow` in Double from `step`, so the
/// state needs no extra scalars.
public struct Adam: Optimizer {
    /// The `algorithm` recorded in the state.
    public static let algorithm = "adam"
    /// TF's slot names for the first and the second moment.
    public static let slotNames = ["Adam", "Adam_1"]

    public let parameters: [SolverParameter]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: WeightDecay
    public private(set) var step = 0
    private var moments: SlotBuffers

    /// TF's defaults: β1 0.9, β2 0.999, ε 1e-8.
    public init(parameters: [SolverParameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: WeightDecay = WeightDecay()) {
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        moments = SlotBuffers(slotNames: Self.slotNames, parameters: parameters)
    }

    public mutating func apply(gradients: [Tensor], to values: inout [Tensor], learningRate: Double) {
        checkShapes(gradients, values)
        let t = Double(step + 1)
        let correction = (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, epsilon = epsilon, decay = weightDecay
        for index in parameters.indices {
            let rate = Float(learningRate * Double(parameters[index].learningRateMultiplier) * correction)
            var m = moments.take(slot: 0, parameter: index), v = moments.take(slot: 1, parameter: index)
            gradients[index].data.withUnsafeBufferPointer { g in
                values[index].data.withUnsafeMutableBufferPointer { w in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            for k in 0..<g.count {
                                let total = decay.total(gradient: g[k], value: w[k])
                                m[k] += (total - m[k]) * oneMinusBeta1
                                v[k] += (total * total - v[k]) * oneMinusBeta2
                                w[k] -= rate * m[k] / (v[k].squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
            moments.put(m, slot: 0, parameter: index)
            moments.put(v, slot: 1, parameter: index)
        }
        step += 1
    }

    public var state: OptimizerState {
        moments.state(algorithm: Self.algorithm, step: step, parameters: parameters)
    }

    public mutating func restore(_ state: OptimizerState, source: String) throws {
        step = try moments.restore(state, algorithm: Self.algorithm, parameters: parameters, source: source)
    }
}

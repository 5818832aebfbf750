import MirrorCore

/// Stochastic gradient descent with momentum, the seed's solver (SPEC §8.6;
/// `tf.train.MomentumOptimizer(lr, momentum=0.9)` without Nesterov).
///
/// Per value, with g the data gradient plus `wd · w`:
///
///     acc ← momentum · acc + g          (acc starts at 0)
///     w   ← w − lr · multiplier · acc
///
/// the order and the float32 arithmetic of TF's `ApplyMomentum` kernel. The per-parameter rate
/// `lr · multiplier` is formed in Double and rounded once to float32 (the seed forms
/// `10*lr_op` in float32; the two differ by at most one float32 rounding of the rate).
public struct MomentumSGD: Optimizer {
    /// The `algorithm` recorded in the state.
    public static let algorithm = "momentum"
    /// TF's slot name for the accumulator.
    public static let slotName = "Momentum"

    public let parameters: [SolverParameter]
    /// `--momentum` (0.9).
    public let momentum: Float
    public let weightDecay: WeightDecay
    public private(set) var step = 0
    private var accumulators: SlotBuffers

    public init(parameters: [SolverParameter], momentum: Float = 0.9, weightDecay: WeightDecay = WeightDecay()) {
        self.parameters = parameters
        self.momentum = momentum
        self.weightDecay = weightDecay
        accumulators = SlotBuffers(slotNames: [Self.slotName], parameters: parameters)
    }

    public mutating func apply(gradients: [Tensor], to values: inout [Tensor], learningRate: Double) {
        checkShapes(gradients, values)
        let momentum = momentum, decay = weightDecay
        for index in parameters.indices {
            let rate = Float(learningRate * Double(parameters[index].learningRateMultiplier))
            var accumulator = accumulators.take(slot: 0, parameter: index)
            gradients[index].data.withUnsafeBufferPointer { g in
                values[index].data.withUnsafeMutableBufferPointer { w in
                    accumulator.withUnsafeMutableBufferPointer { acc in
                        for k in 0..<g.count {
                            let total = decay.total(gradient: g[k], value: w[k])
                            acc[k] = acc[k] * momentum + total
                            w[k] -= rate * acc[k]
                        }
                    }
                }
            }
            accumulators.put(accumulator, slot: 0, parameter: index)
        }
        step += 1
    }

    public var state: OptimizerState {
        accumulators.state(algorithm: Self.algorithm, step: step, parameters: parameters)
    }

    public mutating func restore(_ state: OptimizerState, source: String) throws {
        step = try accumulators.restore(state, algorithm: Self.algorithm, parameters: parameters, source: source)
    }
}

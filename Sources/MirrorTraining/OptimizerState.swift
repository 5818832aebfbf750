/// Everything an optimizer needs to continue a run exactly: the algorithm, the number of
/// iterations done and every slot buffer by parameter name. The trainer stores it in snapshot
/// files (`encoded()`, `init(decoding:source:)` in `OptimizerState+Encoding.swift`).
///
/// Slot names are TensorFlow's slot variable suffixes — `Momentum` for MomentumOptimizer's
/// accumulator, `Adam` and `Adam_1` for AdamOptimizer's first and second moments — so a TF
/// checkpoint's `<variable>/Momentum` maps onto `slots[variable]["Momentum"]` one to one.
/// Adam's `beta1_power`/`beta2_power` are not stored: they are β^(step+1), derived from `step`.
public struct OptimizerState: Sendable {
    /// `MomentumSGD.algorithm` or `Adam.algorithm`.
    public var algorithm: String
    /// Iterations applied so far (mirror's global step; see `LearningRateSchedule`).
    public var step: Int
    /// Parameter name → slot name → values.
    public var slots: [String: [String: [Float]]]

    public init(algorithm: String, step: Int, slots: [String: [String: [Float]]]) {
        precondition(step >= 0, "negative optimizer step")
        self.algorithm = algorithm
        self.step = step
        self.slots = slots
    }
}

extension OptimizerState: Equatable {
    /// Equal when algorithm, step, names and every value's bit pattern agree (so NaN payloads
    /// and signed zeros compare as stored, like the encoded bytes).
    public static func == (lhs: OptimizerState, rhs: OptimizerState) -> Bool {
        guard lhs.algorithm == rhs.algorithm, lhs.step == rhs.step,
              Set(lhs.slots.keys) == Set(rhs.slots.keys) else { return false }
        for (parameter, left) in lhs.slots {
            let right = rhs.slots[parameter]!
            guard Set(left.keys) == Set(right.keys) else { return false }
            for (slot, values) in left {
                guard values.map(\.bitPattern) == right[slot]!.map(\.bitPattern) else { return false }
            }
        }
        return true
    }
}

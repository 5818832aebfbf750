/// One trainable variable as the solver sees it: its seed name, its size and its learning-rate
/// multiplier.
///
/// An optimizer is built from an ordered list of these and thereafter takes values and gradients
/// as arrays in the same order, so an update is a loop over contiguous `[Float]` buffers with no
/// name lookups; names are used only to check and to save/restore state
/// (`OptimizerState`).
public struct SolverParameter: Equatable, Sendable {
    /// The seed's TF variable name, e.g. `res5c_branch2c/kernel` (SPEC §7).
    public var name: String
    /// Number of values.
    public var count: Int
    /// The factor on the learning rate: 10 for loss-stage variables, else 1 (`StageWeights`).
    public var learningRateMultiplier: Float

    public init(name: String, count: Int, learningRateMultiplier: Float = 1) {
        precondition(count >= 0, "negative parameter size for \(name)")
        self.name = name
        self.count = count
        self.learningRateMultiplier = learningRateMultiplier
    }
}

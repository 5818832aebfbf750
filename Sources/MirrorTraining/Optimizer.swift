import MirrorCore

/// A first-order solver over a fixed, ordered list of parameters (`MomentumSGD`, `Adam`).
///
/// Each iteration the trainer passes the data gradients (∂ of the summed stage losses) and the
/// current values, both in `parameters` order; the optimizer adds the weight-decay gradient
/// `wd · w`, updates its slots and the values in place, and counts the iteration. The learning
/// rate comes from outside (`LearningRateSchedule.learningRate(atStep: optimizer.step)`) and is
/// scaled per parameter by `learningRateMultiplier`.
public protocol Optimizer: Sendable {
    /// The parameters in the order `apply` expects values and gradients.
    var parameters: [SolverParameter] { get }
    /// Iterations applied so far.
    var step: Int { get }
    var weightDecay: WeightDecay { get }
    /// One iteration: for every parameter, gradient + wd·w, then the algorithm's update.
    /// - Precondition: `gradients` and `values` match `parameters` in count and sizes.
    mutating func apply(gradients: [Tensor], to values: inout [Tensor], learningRate: Double)
    /// The step and every slot buffer, by parameter name.
    var state: OptimizerState { get }
    /// Continues from a saved state.
    /// - Throws: `TrainingError.incompatibleSnapshot(path: source, …)` if it was saved by another
    ///   algorithm or for other parameters; nothing is changed then.
    mutating func restore(_ state: OptimizerState, source: String) throws
}

extension Optimizer {
    /// Checks the arrays an update is given against `parameters` (programmer errors).
    func checkShapes(_ gradients: [Tensor], _ values: [Tensor]) {
        precondition(gradients.count == parameters.count && values.count == parameters.count,
                     "optimizer has \(parameters.count) parameters, got \(gradients.count) gradients and \(values.count) values")
        for (index, parameter) in parameters.enumerated() {
            precondition(gradients[index].count == parameter.count && values[index].count == parameter.count,
                         "\(parameter.name): expected \(parameter.count) values, got gradient \(gradients[index].count), value \(values[index].count)")
        }
    }
}

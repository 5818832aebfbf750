import Foundation

/// The seed's learning rate, `base_lr · gamma^(global_step / stepvalue)` (SPEC §8.6; the seed's
/// `tf.train.exponential_decay` without `staircase`, so the exponent is a real number and the
/// rate decays smoothly, not in steps).
///
/// Step counting differs from the seed on purpose. mirror's step is the number of iterations
/// done (`Optimizer.step`), one per iteration. The seed passes `global_step` to both of its
/// `MomentumOptimizer.apply_gradients` calls, so when 10×-lr stage variables exist (every seed
/// network: `res5c_branch2c`, `inception_*_loss`, `inception_*_output`) its counter advances by 2
/// per iteration and its rate decays twice as fast as its flags say: after 10,000 iterations it
/// has decayed by gamma², and its checkpoints `model.ckpt-STEP` are numbered in double steps.
/// mirror implements the evident intent, one count per iteration, so with the same flags its
/// decay is half as fast as the seed's; `--stepvalue 5000` reproduces the seed's schedule.
public struct LearningRateSchedule: Equatable, Sendable {
    /// `--base_lr`.
    public var baseLearningRate: Double
    /// `--gamma`: the factor per `stepValue` iterations.
    public var gamma: Double
    /// `--stepvalue`: iterations over which the rate is multiplied by `gamma`.
    public var stepValue: Int

    /// The seed's defaults: 0.002, 0.9, 10,000.
    public init(baseLearningRate: Double = 0.002, gamma: Double = 0.9, stepValue: Int = 10_000) {
        precondition(stepValue > 0, "stepvalue must be positive")
        self.baseLearningRate = baseLearningRate
        self.gamma = gamma
        self.stepValue = stepValue
    }

    /// The rate of the iteration that starts after `step` completed iterations (the seed
    /// evaluates `lr_op` with the `global_step` before the update increments it).
    public func learningRate(atStep step: Int) -> Double {
        baseLearningRate * pow(gamma, Double(step) / Double(stepValue))
    }
}

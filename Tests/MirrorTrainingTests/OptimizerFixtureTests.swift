import Foundation
import MirrorCore
import MirrorTraining
import TestSupport
import XCTest

/// Four steps of `MomentumSGD` and `Adam` against a float64 NumPy transcription of TF's update
/// rules (Fixtures/scripts/make_softmin_loss_fixtures.py → Fixtures/loss/optimizer.*.npy).
///
/// Hyperparameters are the script's: lr = 0.01 · 0.5^(step/2), weight decay 0.01, momentum 0.9,
/// Adam 0.9/0.999/1e-8; parameter 0 is `conv1/kernel` (5 values), parameter 1
/// `inception_5b_loss/kernel` (3 values, 10× by the GoogLeNet stage rule). Bound: 1e-6 ·
/// max(1, |w|) per value — mirror updates in float32 (ε = 6e-8) with a handful of roundings per
/// step, the reference is float64; a wrong rule or rate is off by more than 1e-4.
final class OptimizerFixtureTests: XCTestCase {
    let directory = TestPaths.fixtures.appendingPathComponent("loss")

    func npy(_ name: String) throws -> NpyArray {
        try NpyFile.read(directory.appendingPathComponent("optimizer.\(name).npy").path)
    }

    func testMomentumAndAdamFollowTheNumPyTrajectories() throws {
        let initial = try npy("initial").floats(), gradients = try npy("gradients").floats()
        let stages = ["inception_4a_loss", "inception_4d_loss", "inception_5b_loss"]
        let parameters = StageWeights.solverParameters([("conv1/kernel", 5), ("inception_5b_loss/kernel", 3)],
                                                       stageLayers: stages)
        XCTAssertEqual(parameters.flatMap { [Float](repeating: $0.learningRateMultiplier, count: $0.count) },
                       try npy("multipliers").floats())
        let schedule = LearningRateSchedule(baseLearningRate: 0.01, gamma: 0.5, stepValue: 2)
        let decay = WeightDecay(rate: 0.01)
        let optimizers: [(String, any Optimizer)] = [
            ("momentum", MomentumSGD(parameters: parameters, momentum: 0.9, weightDecay: decay)),
            ("adam", Adam(parameters: parameters, weightDecay: decay)),
        ]
        for (name, start) in optimizers {
            var optimizer = start
            let expected = try npy(name)
            XCTAssertEqual(expected.shape, [4, 8])
            let trajectory = expected.doubles()
            var values = [Tensor(shape: [5], data: Array(initial[0..<5])), Tensor(shape: [3], data: Array(initial[5..<8]))]
            for step in 0..<4 {
                let g = Array(gradients[step * 8..<(step + 1) * 8])
                optimizer.apply(gradients: [Tensor(shape: [5], data: Array(g[0..<5])), Tensor(shape: [3], data: Array(g[5..<8]))],
                                to: &values, learningRate: schedule.learningRate(atStep: optimizer.step))
                let actual = values.flatMap(\.data)
                for k in 0..<8 {
                    let reference = trajectory[step * 8 + k]
                    XCTAssertEqual(Double(actual[k]), reference, accuracy: 1e-6 * max(1, abs(reference)),
                                   "\(name) step \(step + 1) value \(k)")
                }
            }
        }
    }
}

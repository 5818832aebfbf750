import MirrorCore
import MirrorTraining
import XCTest

/// The optimizers' update rules on small problems whose results are computed by hand.
final class OptimizerTests: XCTestCase {
    /// f(w) = ½ w², so g = w; lr 0.1, momentum 0.9, no weight decay:
    /// acc 1 → 1.8 → 2.34 → 2.592, w 1 → 0.9 → 0.72 → 0.486 → 0.2268.
    func testMomentumOnAScalarQuadraticByHand() {
        var optimizer = MomentumSGD(parameters: [SolverParameter(name: "w", count: 1)], weightDecay: WeightDecay(rate: 0))
        var values = [Tensor(shape: [1], data: [1])]
        for expected: Float in [0.9, 0.72, 0.486, 0.2268] {
            optimizer.apply(gradients: values, to: &values, learningRate: 0.1)
            XCTAssertEqual(values[0].data[0], expected, accuracy: 1e-6)
        }
        XCTAssertEqual(optimizer.step, 4)
        XCTAssertEqual(optimizer.state.slots["w"]?["Momentum"]?[0] ?? 0, 2.592, accuracy: 1e-6)
    }

    /// First Adam step on g = w = 1, lr 0.1: m = 0.1, v = 0.001, lr_t = 0.1·√0.001/0.1, so
    /// w = 1 − √0.001 · 0.1/(√0.001 + 1e-8) ≈ 0.9 + 3.2e-8. The slots are float32 with TF's
    /// float32 factors (1 − 0.9f = 0.100000024, 1 − 0.999f = 0.0009999871), hence the bounds.
    func testAdamFirstStepByHand() {
        var optimizer = Adam(parameters: [SolverParameter(name: "w", count: 1)], weightDecay: WeightDecay(rate: 0))
        var values = [Tensor(shape: [1], data: [1])]
        optimizer.apply(gradients: values, to: &values, learningRate: 0.1)
        let root = 0.001.squareRoot()
        XCTAssertEqual(Double(values[0].data[0]), 1 - root * 0.1 / (root + 1e-8), accuracy: 1e-7)
        XCTAssertEqual(optimizer.state.slots["w"]?["Adam"]?[0] ?? 0, 0.1, accuracy: 1e-7)
        XCTAssertEqual(optimizer.state.slots["w"]?["Adam_1"]?[0] ?? 0, 0.001, accuracy: 2e-8)
    }

    /// A two-parameter quadratic f = ½ Σ c_k (w_k − t_k)² with weight decay and a 10× parameter,
    /// several steps, against the recurrences written out in Double.
    func testQuadraticWithWeightDecayAndMultiplierAgainstDouble() {
        let curvature: [Double] = [1, 4, 0.5], target: [Double] = [0.5, -1, 2]
        let multipliers: [Double] = [1, 1, 10]
        let decay = 0.01, rate = 0.05, start: [Double] = [2, 1, -1]
        let parameters = [SolverParameter(name: "a", count: 2),
                          SolverParameter(name: "res5c_branch2c/kernel", count: 1, learningRateMultiplier: 10)]
        func dataGradient(_ w: [Double]) -> [Double] { (0..<3).map { curvature[$0] * (w[$0] - target[$0]) } }
        func split(_ w: [Double]) -> [Tensor] {
            [Tensor(shape: [2], data: [Float(w[0]), Float(w[1])]), Tensor(shape: [1], data: [Float(w[2])])]
        }

        for algorithm in ["momentum", "adam"] {
            var optimizer: any Optimizer = algorithm == "momentum"
                ? MomentumSGD(parameters: parameters, weightDecay: WeightDecay(rate: Float(decay)))
                : Adam(parameters: parameters, weightDecay: WeightDecay(rate: Float(decay)))
            var values = split(start)
            var w = start, first = [Double](repeating: 0, count: 3), second = first
            for t in 1...6 {
                let current = values.flatMap(\.data).map(Double.init)
                optimizer.apply(gradients: split(dataGradient(current)), to: &values, learningRate: rate)
                let g = zip(dataGradient(w), w).map { $0 + decay * $1 }
                for k in 0..<3 {
                    if algorithm == "momentum" {
                        first[k] = 0.9 * first[k] + g[k]
                        w[k] -= rate * multipliers[k] * first[k]
                    } else {
                        first[k] = 0.9 * first[k] + 0.1 * g[k]
                        second[k] = 0.999 * second[k] + 0.001 * g[k] * g[k]
                        let stepRate = rate * multipliers[k] * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
                        w[k] -= stepRate * first[k] / (second[k].squareRoot() + 1e-8)
                    }
                }
                let actual = values.flatMap(\.data)
                for k in 0..<3 {
                    XCTAssertEqual(Double(actual[k]), w[k], accuracy: 1e-5, "\(algorithm) step \(t) value \(k)")
                }
            }
        }
    }

    /// The 10× parameter moves ten times as far on the same gradient; weight decay alone pulls
    /// toward zero by lr·wd·w.
    func testMultiplierAndWeightDecayAlone() {
        let parameters = [SolverParameter(name: "base", count: 2),
                          SolverParameter(name: "stage", count: 2, learningRateMultiplier: 10)]
        var optimizer = MomentumSGD(parameters: parameters, weightDecay: WeightDecay(rate: 0))
        var values = [Tensor(shape: [2], data: [1, -2]), Tensor(shape: [2], data: [1, -2])]
        let gradient = Tensor(shape: [2], data: [0.5, 0.25])
        optimizer.apply(gradients: [gradient, gradient], to: &values, learningRate: 0.01)
        XCTAssertEqual(values[0].data, [1 - 0.005, -2 - 0.0025])
        XCTAssertEqual(values[1].data, [1 - 0.05, -2 - 0.025])

        var decaying = MomentumSGD(parameters: [parameters[0]], weightDecay: WeightDecay(rate: 0.1))
        var decayed = [Tensor(shape: [2], data: [1, -2])]
        decaying.apply(gradients: [Tensor(shape: [2])], to: &decayed, learningRate: 0.5)
        XCTAssertEqual(decayed[0].data, [0.95, -1.9])
    }

    /// wd · Σ‖w‖²/2 over all tensors: 0.1 · (1 + 4 + 9)/2 (wd is the float32 0.1).
    func testWeightDecayLossValue() {
        let values = [Tensor(shape: [2], data: [1, -2]), Tensor(shape: [1, 1], data: [3])]
        XCTAssertEqual(WeightDecay(rate: 0.1).loss(of: values), Double(Float(0.1)) * 7, accuracy: 1e-15)
        XCTAssertEqual(WeightDecay().rate, 1e-4, "the seed's --weight_decay")
        XCTAssertEqual(WeightDecay(rate: 0.1).loss(of: []), 0)
    }

    /// Stopping, saving, restoring into a fresh optimizer and continuing gives the same values
    /// and state, bit for bit, as running straight through.
    func testResumingFromEncodedStateContinuesIdentically() throws {
        let parameters = [SolverParameter(name: "x", count: 3), SolverParameter(name: "y_loss", count: 2, learningRateMultiplier: 10)]
        let make: [String: () -> any Optimizer] = [
            "momentum": { MomentumSGD(parameters: parameters, weightDecay: WeightDecay(rate: 0.01)) },
            "adam": { Adam(parameters: parameters, weightDecay: WeightDecay(rate: 0.01)) },
        ]
        let schedule = LearningRateSchedule(baseLearningRate: 0.05, gamma: 0.5, stepValue: 3)
        func gradients(_ step: Int) -> [Tensor] {
            [Tensor(shape: [3], data: (0..<3).map { Float(($0 + step) % 4) * 0.3 - 0.4 }),
             Tensor(shape: [2], data: (0..<2).map { Float(($0 * 3 + step) % 5) * 0.2 - 0.5 })]
        }
        for (name, factory) in make {
            var straight = factory()
            var values = [Tensor(shape: [3], data: [1, 2, 3]), Tensor(shape: [2], data: [-1, 0.5])]
            for _ in 0..<3 {
                straight.apply(gradients: gradients(straight.step), to: &values,
                               learningRate: schedule.learningRate(atStep: straight.step))
            }
            let saved = straight.state.encoded()
            var resumed = factory()
            try resumed.restore(try OptimizerState(decoding: saved, source: "snap"), source: "snap")
            XCTAssertEqual(resumed.step, 3, name)
            var resumedValues = values
            for _ in 0..<4 {
                straight.apply(gradients: gradients(straight.step), to: &values,
                               learningRate: schedule.learningRate(atStep: straight.step))
                resumed.apply(gradients: gradients(resumed.step), to: &resumedValues,
                              learningRate: schedule.learningRate(atStep: resumed.step))
            }
            XCTAssertEqual(values.map { $0.data.map(\.bitPattern) }, resumedValues.map { $0.data.map(\.bitPattern) }, name)
            XCTAssertEqual(straight.state.encoded(), resumed.state.encoded(), name)
        }
    }

    /// A state from another algorithm or for other parameters is refused with every difference
    /// named, and the optimizer is left untouched.
    func testRestoreRefusesMismatchedState() {
        let parameters = [SolverParameter(name: "conv1/kernel", count: 4), SolverParameter(name: "fc/bias", count: 2)]
        var optimizer = MomentumSGD(parameters: parameters)
        let adamState = Adam(parameters: parameters).state
        XCTAssertThrowsError(try optimizer.restore(adamState, source: "run/snap-10")) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("run/snap-10: cannot resume:"), message)
            XCTAssertTrue(message.contains("adam state, this run uses momentum"), message)
            XCTAssertTrue(message.contains("unexpected slots Adam, Adam_1"), message)
            XCTAssertTrue(message.contains("missing slot Momentum"), message)
        }
        var other = MomentumSGD(parameters: [SolverParameter(name: "conv1/kernel", count: 5),
                                             SolverParameter(name: "extra", count: 1)]).state
        other.step = 7
        XCTAssertThrowsError(try optimizer.restore(other, source: "s")) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("missing parameters fc/bias"), message)
            XCTAssertTrue(message.contains("unexpected parameters extra"), message)
            XCTAssertTrue(message.contains("conv1/kernel/Momentum: 5 values, the parameter has 4"), message)
        }
        XCTAssertEqual(optimizer.step, 0)
        XCTAssertEqual(optimizer.state, MomentumSGD(parameters: parameters).state)
    }
}

import MirrorTraining
import XCTest

final class LearningRateScheduleTests: XCTestCase {
    /// The seed's defaults: 0.002 · 0.9^(step / 10000), continuous.
    func testSeedDefaultsDecayContinuously() {
        let schedule = LearningRateSchedule()
        XCTAssertEqual(schedule.learningRate(atStep: 0), 0.002)
        XCTAssertEqual(schedule.learningRate(atStep: 10_000), 0.0018, accuracy: 1e-15)
        XCTAssertEqual(schedule.learningRate(atStep: 20_000), 0.00162, accuracy: 1e-15)
        // Between the decay points the rate moves too (not staircase): 0.002 · √0.9.
        XCTAssertEqual(schedule.learningRate(atStep: 5_000), 0.002 * 0.9486832980505138, accuracy: 1e-15)
        XCTAssertLessThan(schedule.learningRate(atStep: 1), schedule.learningRate(atStep: 0))
        // 10⁶ steps (--max_steps): 0.002 · 0.9^100.
        XCTAssertEqual(schedule.learningRate(atStep: 1_000_000), 0.002 * 2.6561398887587544e-05, accuracy: 1e-18)
    }

    /// Halving the step value reproduces the seed's double-counting global_step.
    func testHalfStepValueMatchesTheSeedsDoubleCount() {
        let mirror = LearningRateSchedule(baseLearningRate: 0.01, gamma: 0.5, stepValue: 5_000)
        let seed = LearningRateSchedule(baseLearningRate: 0.01, gamma: 0.5, stepValue: 10_000)
        for iteration in [0, 1, 777, 5_000, 12_345] {
            XCTAssertEqual(mirror.learningRate(atStep: iteration), seed.learningRate(atStep: 2 * iteration),
                           accuracy: 1e-17)
        }
    }
}

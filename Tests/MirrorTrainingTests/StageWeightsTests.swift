import MirrorTraining
import XCTest

final class StageWeightsTests: XCTestCase {
    func testLastStageWeighsOneOthersHalf() {
        XCTAssertEqual(StageWeights.lossWeights(stageCount: 1), [1.0])
        XCTAssertEqual(StageWeights.lossWeights(stageCount: 3), [0.5, 0.5, 1.0])
    }

    /// GoogLeNet's stage names (the seed's `get_refine_layers_name`): variables containing one
    /// get 10×, everything else 1×, and every variable appears exactly once.
    func testGoogLeNetStageVariablesGetTenTimesTheRate() {
        let stages = ["inception_4a_loss", "inception_4d_loss", "inception_5b_loss"]
        let variables: [(name: String, count: Int)] = [
            ("conv1/7x7_s2/kernel", 9408), ("inception_4a_1x1/kernel", 24576), ("inception_4a_loss/kernel", 2_359_296),
            ("inception_4a_loss/bias", 512), ("inception_4d_loss/kernel", 4), ("inception_5b_loss/bias", 3),
            ("inception_5b_output/bias", 2),
        ]
        let parameters = StageWeights.solverParameters(variables, stageLayers: stages)
        XCTAssertEqual(parameters.map(\.name), variables.map(\.name))
        XCTAssertEqual(parameters.map(\.count), variables.map(\.count))
        XCTAssertEqual(parameters.map(\.learningRateMultiplier), [1, 1, 10, 10, 10, 10, 1])
    }

    /// ResNet's one stage name matches by substring: `res5c_branch2c/…` but not the batch norm
    /// `bn5c_branch2c/…` nor the sibling branches.
    func testResNetStageNameMatchesBySubstring() {
        let stages = ["res5c_branch2c"]
        XCTAssertEqual(StageWeights.learningRateMultiplier(forVariable: "res5c_branch2c/kernel", stageLayers: stages), 10)
        XCTAssertEqual(StageWeights.learningRateMultiplier(forVariable: "res5c_branch2c/bias", stageLayers: stages), 10)
        XCTAssertEqual(StageWeights.learningRateMultiplier(forVariable: "bn5c_branch2c/gamma", stageLayers: stages), 1)
        XCTAssertEqual(StageWeights.learningRateMultiplier(forVariable: "res5c_branch2b/kernel", stageLayers: stages), 1)
        XCTAssertFalse(StageWeights.isStageVariable("anything", stageLayers: [""]), "an empty name matches nothing")
    }
}

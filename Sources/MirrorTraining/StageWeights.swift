/// The seed's per-stage settings: the loss weight of each stage and the higher learning rate of
/// the stage layers (SPEC §8.4, §8.6).
public enum StageWeights {
    /// Loss weights for `stageCount` stages in the seed's order: 0.5 for every stage but the
    /// last, 1.0 for the last (the seed's `training` loop in `retrieval/model.py`). GoogLeNet's
    /// three stages get 0.5, 0.5, 1.0; ResNet's one stage gets 1.0.
    public static func lossWeights(stageCount: Int) -> [Double] {
        precondition(stageCount >= 1, "training needs at least one loss stage")
        return (0..<stageCount).map { $0 == stageCount - 1 ? 1.0 : 0.5 }
    }

    /// The factor on the learning rate of stage variables (the seed's second optimizer runs at
    /// `10*lr_op`).
    public static let stageLearningRateMultiplier: Float = 10

    /// Whether a variable belongs to a stage layer: its name contains one of the stage layer
    /// names as a substring (the seed's `var.name.find(layer_name) != -1` in `solver()`), so
    /// `res5c_branch2c/kernel` and `res5c_branch2c/bias` match `res5c_branch2c` while
    /// `bn5c_branch2c/gamma` does not.
    public static func isStageVariable(_ name: String, stageLayers: [String]) -> Bool {
        stageLayers.contains { !$0.isEmpty && name.contains($0) }
    }

    /// 10 for a stage variable, 1 otherwise.
    public static func learningRateMultiplier(forVariable name: String, stageLayers: [String]) -> Float {
        isStageVariable(name, stageLayers: stageLayers) ? stageLearningRateMultiplier : 1
    }

    /// The solver's parameter list: every trainable variable exactly once, in the given order,
    /// stage variables at 10× the rate.
    ///
    /// The seed's `solver()` differs: it loops over the stage names for each variable and
    /// appends the variable to the base-rate list once per stage name it does *not* contain, and
    /// to the 10× list once per name it contains. With GoogLeNet's three stage names an ordinary
    /// variable is listed three times in the base optimizer, and a stage variable twice there and
    /// once at 10×. Read literally (SPEC §8.6 infers this effect; it was not run), TF applies
    /// each listed entry, so such variables get several momentum updates per iteration, stage
    /// variables some of them at the base rate. ResNet, with one stage name, is unaffected.
    /// mirror implements the intent: each variable once, stage variables only at 10×.
    public static func solverParameters(_ variables: [(name: String, count: Int)],
                                        stageLayers: [String]) -> [SolverParameter] {
        variables.map {
            SolverParameter(name: $0.name, count: $0.count,
                            learningRateMultiplier: learningRateMultiplier(forVariable: $0.name, stageLayers: stageLayers))
        }
    }
}

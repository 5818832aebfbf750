import MirrorCore

/// Which terms one loss stage adds up, and the stage's weight (SPEC §8.4–8.5).
///
/// The seed builds the easy term always, the weak term under `--with_weak` and the hard term
/// under `--with_hard` (`softmin_loss_layer` / `hinge_loss_layer` in `retrieval/model.py`), and
/// multiplies each by the stage's `loss_weight` (see `StageWeights.lossWeights`).
public struct TripletLossOptions: Equatable, Sendable {
    /// `--with_weak`: the structured term on anchor–negative distances.
    public var withWeak: Bool
    /// `--with_hard`: the per-triplet term comparing anchor–positive with anchor–negative.
    public var withHard: Bool
    /// The stage weight w multiplying every term (0.5, or 1.0 for the last stage).
    public var stageWeight: Double

    public init(withWeak: Bool = false, withHard: Bool = false, stageWeight: Double = 1) {
        self.withWeak = withWeak
        self.withHard = withHard
        self.stageWeight = stageWeight
    }
}

/// One term of a stage's loss as the seed reports it: the weighted loss and its accuracy.
public struct LossTermValue: Equatable, Sendable {
    /// The term already multiplied by the stage weight (what the seed adds to `final_loss`).
    public var loss: Double
    /// The seed's accuracy: one minus the fraction of violated comparisons (not weighted).
    public var accuracy: Double

    public init(loss: Double, accuracy: Double) {
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// The loss of one stage on a batch of pooled triplet features and its gradients.
///
/// Gradients are of the sum of the enabled weighted terms, so the trainer can add the results of
/// all stages and back-propagate them into each stage's pooled features. Each is `[B, C]`, the
/// shape of the features it belongs to.
public struct TripletLossResult: Sendable {
    public var easy: LossTermValue
    /// Present when `withWeak` was set.
    public var weak: LossTermValue?
    /// Present when `withHard` was set.
    public var hard: LossTermValue?
    /// ∂loss/∂anchors.
    public var anchorGradient: Tensor
    /// ∂loss/∂positives.
    public var positiveGradient: Tensor
    /// ∂loss/∂negatives (zero when neither weak nor hard term is enabled).
    public var negativeGradient: Tensor

    public init(easy: LossTermValue, weak: LossTermValue?, hard: LossTermValue?,
                anchorGradient: Tensor, positiveGradient: Tensor, negativeGradient: Tensor) {
        self.easy = easy
        self.weak = weak
        self.hard = hard
        self.anchorGradient = anchorGradient
        self.positiveGradient = positiveGradient
        self.negativeGradient = negativeGradient
    }

    /// The enabled terms in the seed's order (easy, weak, hard), as the display lines list them.
    public var terms: [(name: String, value: LossTermValue)] {
        var result = [("easy", easy)]
        if let weak { result.append(("weak", weak)) }
        if let hard { result.append(("hard", hard)) }
        return result
    }

    /// The stage's contribution to the objective: the sum of its weighted terms.
    public var loss: Double { easy.loss + (weak?.loss ?? 0) + (hard?.loss ?? 0) }

    /// The three gradients stacked `[anchors; positives; negatives]` → `[3B, C]`, the order in
    /// which the network sees the batch (SPEC §8.2).
    public var stackedGradient: Tensor {
        let rows = anchorGradient.shape[0], columns = anchorGradient.shape[1]
        return Tensor(shape: [3 * rows, columns],
                      data: anchorGradient.data + positiveGradient.data + negativeGradient.data)
    }
}

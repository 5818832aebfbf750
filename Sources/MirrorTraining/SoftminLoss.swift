import Foundation
import MirrorCore

/// The seed's structured softmin loss on one stage's pooled triplet features (SPEC §8.5;
/// `softmin_loss_layer` in the seed's `retrieval/model.py`, the loss its `training` uses).
///
/// Inputs are the global-max-pooled stage features `[B, C]` of the anchors a, positives p and
/// negatives n (B ≥ 2; row i of each belongs to triplet i). With
///
///     D[i, j]  = sqrt(|a_i|² − 2 a_i·p_j + |p_j|² + 1e-6)      (the expanded form, as the seed)
///     D'[i, j] = the same with n_j in place of p_j
///     φ(x)     = log(exp(clip(x, −10, 10)) + 1)
///
/// - easy = Σ_{i≠j} [φ(D[j,j] − D[i,j]) + φ(D[i,i] − D[i,j])] / (B(B−1)) — the seed's
///   `mean_k(col_k + row_k)` with the diagonal's `softplus(0) − log 2 = 0` left out
///   (see `StructuredLossTerm`); accuracy `1 − (#col + #row) / B / (B−1) / 2` counting
///   arguments > 0;
/// - weak (`withWeak`) = the same on D';
/// - hard (`withHard`) = mean_i φ(D[i,i] − sqrt(|a_i − n_i|² + 1e-6)), the second distance in
///   the direct form as the seed writes it; accuracy `1 − #{argument > 0} / B`;
///
/// each multiplied by the stage weight. Gradients are derived by hand: through φ (sigmoid of
/// the argument inside the clip range, bounds included, zero outside — TensorFlow's
/// `clip_by_value` gradient), through the square root (∂D/∂q = 1/(2D)) and through the expanded
/// squares (`PairwiseDistances.backward`).
///
/// Numerics: everything is computed in Double from the float32 features, and only the
/// gradients are rounded back to float32. The seed ran float32 throughout, so its loss values
/// differ from mirror's by float32 rounding (about 1e-6 relative); where its expanded form
/// cancelled below zero it produced NaN, and mirror instead clamps the squared distance at 0
/// (its true value is never negative) before adding 1e-6, with zero gradient through the clamp.
/// In Double the clamp only acts when the cancellation error (≈ 1e-16 · |a|²) exceeds 1e-6.
public enum SoftminLoss {
    /// What the seed adds under every square root.
    public static let distanceEpsilon = 1e-6

    /// The stage's loss terms and the gradient of their sum with respect to a, p and n.
    /// - Precondition: the three tensors are `[B, C]` with the same B ≥ 2 and C.
    public static func evaluate(anchors: Tensor, positives: Tensor, negatives: Tensor,
                                options: TripletLossOptions) -> TripletLossResult {
        let a = FeatureRows(anchors, role: "anchor")
        let p = FeatureRows(positives, role: "positive")
        let n = FeatureRows(negatives, role: "negative")
        precondition(anchors.shape == positives.shape && anchors.shape == negatives.shape,
                     "triplet features differ in shape: \(anchors.shape), \(positives.shape), \(negatives.shape)")
        let count = a.rows
        precondition(count >= 2, "the structured loss needs a batch of at least 2 triplets")
        let weight = options.stageWeight
        let pairScale = weight / Double(count * (count - 1))

        var aGradient = FeatureRows(rows: count, columns: a.columns)
        var pGradient = aGradient, nGradient = aGradient

        // Easy: anchors against positives.
        let easySquared = PairwiseDistances.expandedSquared(a, p)
        let easyDistances = easySquared.map(distance)
        let easyTerm = StructuredLossTerm(matrix: easyDistances, count: count, penalty: .softplusClipped)
        let easy = LossTermValue(loss: pairScale * easyTerm.sum,
                                 accuracy: StructuredLossTerm.accuracy(violations: easyTerm.violations, count: count))
        var easyGradient = easyTerm.gradient.map { $0 * pairScale }  // ∂/∂D

        // Weak: the same structure on anchors against negatives.
        var weak: LossTermValue?
        if options.withWeak {
            let weakSquared = PairwiseDistances.expandedSquared(a, n)
            let weakDistances = weakSquared.map(distance)
            let weakTerm = StructuredLossTerm(matrix: weakDistances, count: count, penalty: .softplusClipped)
            weak = LossTermValue(loss: pairScale * weakTerm.sum,
                                 accuracy: StructuredLossTerm.accuracy(violations: weakTerm.violations, count: count))
            let weakGradient = squaredGradient(weakTerm.gradient.map { $0 * pairScale },
                                               squared: weakSquared, distances: weakDistances)
            PairwiseDistances.backward(weakGradient, a, n, xGradient: &aGradient, yGradient: &nGradient)
        }

        // Hard: each anchor's positive against its own negative.
        var hard: LossTermValue?
        if options.withHard {
            let negativeDistances = a.squaredRowDistances(to: n).map { ($0 + distanceEpsilon).squareRoot() }
            let tripletScale = weight / Double(count)
            var sum = 0.0, violated = 0
            var rowGradient = [Double](repeating: 0, count: count)  // ∂/∂|a_i − n_i|²
            for i in 0..<count {
                let argument = easyDistances[i * count + i] - negativeDistances[i]
                let penalty = PairPenalty.softplusClipped.evaluate(argument)
                sum += penalty.value
                if PairPenalty.softplusClipped.isViolated(argument) { violated += 1 }
                easyGradient[i * count + i] += tripletScale * penalty.slope
                rowGradient[i] = -tripletScale * penalty.slope / (2 * negativeDistances[i])
            }
            hard = LossTermValue(loss: tripletScale * sum,
                                 accuracy: StructuredLossTerm.accuracy(violatedTriplets: violated, count: count))
            PairwiseDistances.rowBackward(rowGradient, a, n, xGradient: &aGradient, yGradient: &nGradient)
        }

        PairwiseDistances.backward(squaredGradient(easyGradient, squared: easySquared, distances: easyDistances),
                                   a, p, xGradient: &aGradient, yGradient: &pGradient)
        return TripletLossResult(easy: easy, weak: weak, hard: hard, anchorGradient: aGradient.tensor,
                                 positiveGradient: pGradient.tensor, negativeGradient: nGradient.tensor)
    }

    /// `sqrt(max(q, 0) + 1e-6)`: the seed's distance from an expanded squared distance q.
    static func distance(_ squared: Double) -> Double {
        (max(squared, 0) + distanceEpsilon).squareRoot()
    }

    /// Chain rule through `distance`: ∂/∂q = ∂/∂D · 1/(2D) where q ≥ 0, 0 where the clamp acts.
    static func squaredGradient(_ gradient: [Double], squared: [Double], distances: [Double]) -> [Double] {
        (0..<gradient.count).map { k in
            squared[k] >= 0 ? gradient[k] / (2 * distances[k]) : 0
        }
    }
}

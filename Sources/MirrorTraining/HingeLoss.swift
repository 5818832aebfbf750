import MirrorCore

/// The seed's structured hinge loss (`--loss hinge`; `hinge_loss_layer` in the seed's
/// `retrieval/model.py`, which only its Google-Landmark variant of `training` uses).
///
/// Unlike the softmin loss it works on L2-normalised features (`tf.nn.l2_normalize`,
/// x / sqrt(max(|x|², 1e-12))) and on squared distances without a square root or 1e-6:
///
///     S[i, j]  = |â_i|² − 2 â_i·p̂_j + |p̂_j|²       (expanded, as the seed)
///     S'[i, j] = the same with n̂_j
///     ψ(x)     = max(0.5 + x, 0)                      (all three margins are 0.5)
///
/// - easy = Σ_{i≠j} [ψ(S[j,j] − S[i,j]) + ψ(S[i,i] − S[i,j])] / (B(B−1)) / 2 — the seed zeroes
///   the diagonal (`matrix_set_diag`) and halves `mean_k(col_k + row_k)`; accuracy counts the
///   nonzero entries, `1 − (#col + #row) / B / (B−1) / 2`;
/// - weak (`withWeak`) = the same on S';
/// - hard (`withHard`) = **max**_i ψ(S[i,i] − |â_i − n̂_i|²) (`reduce_max`, not a mean; the
///   seed's mean is commented out), accuracy `1 − #{nonzero} / B`;
///
/// each multiplied by the stage weight. Gradients follow TensorFlow's: `tf.maximum(z, 0)` passes
/// where z ≥ 0; `reduce_max` splits the gradient equally among tied maxima; the normalisation's
/// `max(|x|², 1e-12)` passes to |x|² where |x|² ≥ 1e-12 and otherwise scales by 1e6 only.
/// Computed in Double, gradients rounded to float32 (see `SoftminLoss` on precision).
public enum HingeLoss {
    /// The seed's `easy_margin`, `weak_margin` and `hard_margin`.
    public static let margin = 0.5
    /// `tf.nn.l2_normalize`'s default epsilon.
    public static let normalizationEpsilon = 1e-12

    /// The stage's loss terms and the gradient of their sum with respect to the un-normalised
    /// a, p and n.
    /// - Precondition: the three tensors are `[B, C]` with the same B ≥ 2 and C.
    public static func evaluate(anchors: Tensor, positives: Tensor, negatives: Tensor,
                                options: TripletLossOptions) -> TripletLossResult {
        precondition(anchors.shape == positives.shape && anchors.shape == negatives.shape,
                     "triplet features differ in shape: \(anchors.shape), \(positives.shape), \(negatives.shape)")
        let a = Normalized(FeatureRows(anchors, role: "anchor"))
        let p = Normalized(FeatureRows(positives, role: "positive"))
        let n = Normalized(FeatureRows(negatives, role: "negative"))
        let count = a.unit.rows
        precondition(count >= 2, "the structured loss needs a batch of at least 2 triplets")
        let weight = options.stageWeight
        let pairScale = weight / Double(count * (count - 1)) / 2
        let penalty = PairPenalty.hinge(margin: margin)

        var aGradient = FeatureRows(rows: count, columns: a.unit.columns)  // ∂/∂â, ∂/∂p̂, ∂/∂n̂
        var pGradient = aGradient, nGradient = aGradient

        let easySquared = PairwiseDistances.expandedSquared(a.unit, p.unit)
        let easyTerm = StructuredLossTerm(matrix: easySquared, count: count, penalty: penalty)
        let easy = LossTermValue(loss: pairScale * easyTerm.sum,
                                 accuracy: StructuredLossTerm.accuracy(violations: easyTerm.violations, count: count))
        var easyGradient = easyTerm.gradient.map { $0 * pairScale }

        var weak: LossTermValue?
        if options.withWeak {
            let weakSquared = PairwiseDistances.expandedSquared(a.unit, n.unit)
            let weakTerm = StructuredLossTerm(matrix: weakSquared, count: count, penalty: penalty)
            weak = LossTermValue(loss: pairScale * weakTerm.sum,
                                 accuracy: StructuredLossTerm.accuracy(violations: weakTerm.violations, count: count))
            PairwiseDistances.backward(weakTerm.gradient.map { $0 * pairScale }, a.unit, n.unit,
                                       xGradient: &aGradient, yGradient: &nGradient)
        }

        var hard: LossTermValue?
        if options.withHard {
            let negativeSquared = a.unit.squaredRowDistances(to: n.unit)
            let arguments = (0..<count).map { easySquared[$0 * count + $0] - negativeSquared[$0] }
            let penalties = arguments.map(penalty.evaluate)
            let largest = penalties.map(\.value).max()!
            let tied = penalties.filter { $0.value == largest }.count
            var rowGradient = [Double](repeating: 0, count: count)  // ∂/∂|â_i − n̂_i|²
            for i in 0..<count where penalties[i].value == largest {
                let share = weight / Double(tied) * penalties[i].slope
                easyGradient[i * count + i] += share
                rowGradient[i] = -share
            }
            let violated = arguments.filter(penalty.isViolated).count
            hard = LossTermValue(loss: weight * largest,
                                 accuracy: StructuredLossTerm.accuracy(violatedTriplets: violated, count: count))
            PairwiseDistances.rowBackward(rowGradient, a.unit, n.unit, xGradient: &aGradient, yGradient: &nGradient)
        }

        PairwiseDistances.backward(easyGradient, a.unit, p.unit, xGradient: &aGradient, yGradient: &pGradient)
        return TripletLossResult(easy: easy, weak: weak, hard: hard,
                                 anchorGradient: a.backward(aGradient).tensor,
                                 positiveGradient: p.backward(pGradient).tensor,
                                 negativeGradient: n.backward(nGradient).tensor)
    }

    /// Rows divided by `sqrt(max(|x|², 1e-12))`, with the backward pass of that division.
    struct Normalized {
        let unit: FeatureRows
        /// 1 / sqrt(max(|x_i|², ε)) per row.
        let inverseNorms: [Double]
        /// Whether |x_i|² ≥ ε, i.e. the norm (not ε) is what the row was divided by.
        let normIsUsed: [Bool]

        init(_ rows: FeatureRows) {
            let squaredNorms = rows.squaredNorms
            normIsUsed = squaredNorms.map { $0 >= HingeLoss.normalizationEpsilon }
            inverseNorms = squaredNorms.map { 1 / max($0, HingeLoss.normalizationEpsilon).squareRoot() }
            var unit = rows
            for i in 0..<rows.rows {
                for c in i * rows.columns..<(i + 1) * rows.columns { unit.values[c] *= inverseNorms[i] }
            }
            self.unit = unit
        }

        /// ∂/∂x from ∂/∂x̂: r (g − x̂ (x̂·g)) where the norm is used, r g where ε is.
        func backward(_ gradient: FeatureRows) -> FeatureRows {
            var result = gradient
            let columns = unit.columns
            for i in 0..<unit.rows {
                let range = i * columns..<(i + 1) * columns
                var projection = 0.0
                if normIsUsed[i] {
                    for c in range { projection += unit.values[c] * gradient.values[c] }
                }
                for c in range {
                    result.values[c] = inverseNorms[i] * (gradient.values[c] - unit.values[c] * projection)
                }
            }
            return result
        }
    }
}

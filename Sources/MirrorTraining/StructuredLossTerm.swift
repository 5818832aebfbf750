import Foundation

/// The penalty a loss puts on one comparison `x` = (distance of the matching pair) −
/// (distance of a non-matching pair): positive x means the non-matching pair is closer, i.e.
/// the comparison is violated.
enum PairPenalty {
    /// The softmin loss: `softplus(clip(x, −10, 10))` with `softplus(y) = log(exp(y) + 1)`.
    case softplusClipped
    /// The hinge loss: `max(margin + x, 0)`.
    case hinge(margin: Double)

    /// The seed's clip bounds (`tf.clip_by_value(…, -10., 10.)`).
    static let clipBound = 10.0

    /// The penalty and its derivative at x.
    ///
    /// Boundaries follow TensorFlow's registered gradients: `clip_by_value` passes the gradient
    /// where lo ≤ x ≤ hi, bounds included (`_ClipByValueGrad` zeroes it only where x < lo or
    /// x > hi; the older min/max composition used `greater_equal`/`less_equal`, also inclusive),
    /// and `tf.maximum(z, 0)` passes it where z ≥ 0 (`_MaximumGrad` selects with
    /// `greater_equal`). Both boundaries have measure zero; they are kept for fidelity.
    @inline(__always)
    func evaluate(_ x: Double) -> (value: Double, slope: Double) {
        switch self {
        case .softplusClipped:
            let clipped = min(max(x, -Self.clipBound), Self.clipBound)
            let e = exp(clipped)
            let value = log(e + 1)
            let passes = x >= -Self.clipBound && x <= Self.clipBound
            return (value, passes ? e / (e + 1) : 0)
        case .hinge(let margin):
            let z = margin + x
            return (max(z, 0), z >= 0 ? 1 : 0)
        }
    }

    /// Whether the comparison counts against the accuracy: the seed counts the nonzero entries
    /// of `relu(clip(x))` (softmin), i.e. x > 0, or of `max(margin + x, 0)` (hinge).
    @inline(__always)
    func isViolated(_ x: Double) -> Bool {
        switch self {
        case .softplusClipped: return x > 0
        case .hinge(let margin): return margin + x > 0
        }
    }
}

/// The seed's structured term on a B×B distance matrix M (rows: anchors, columns: positives or
/// negatives), shared by the softmin and the hinge loss (`_structured_loss` in both layers).
///
/// With `d_j = M[j, j]`, every column compares its matching pair with the other rows,
/// `x = d_j − M[i, j]`, and every row with the other columns, `x = d_i − M[i, j]`:
///
///     S = Σ_{i≠j} φ(d_j − M[i, j]) + Σ_{i≠j} φ(d_i − M[i, j])
///
/// The seed leaves the diagonal out in two ways that both give exactly this sum: softmin
/// evaluates `softplus(0) = log 2` there and subtracts `log 2` (`omit`), hinge overwrites the
/// diagonal with zeros (`matrix_set_diag`). Neither counts it in the accuracy (softmin's x is
/// exactly 0, hinge's entry is 0), and neither passes a gradient through it: softmin's diagonal
/// depends on `d_j − M[j, j] ≡ 0`, hinge's is replaced by a constant.
///
/// The callers scale S: softmin's `mean_k(col_k + row_k)` with `col_j = Σ_i C[i, j]/(B−1)` is
/// S / (B(B−1)); hinge halves that again.
struct StructuredLossTerm {
    /// S.
    var sum: Double
    /// Violated comparisons among the 2B(B−1) off-diagonal ones.
    var violations: Int
    /// ∂S/∂M, row-major B×B.
    var gradient: [Double]

    init(matrix: [Double], count: Int, penalty: PairPenalty) {
        precondition(count >= 2 && matrix.count == count * count, "structured loss needs B ≥ 2")
        var sum = 0.0
        var violations = 0
        var gradient = [Double](repeating: 0, count: count * count)
        for i in 0..<count {
            let rowDiagonal = matrix[i * count + i]
            for j in 0..<count where j != i {
                let entry = matrix[i * count + j]
                // Column term: the positive of column j against anchor i.
                let columnArgument = matrix[j * count + j] - entry
                let column = penalty.evaluate(columnArgument)
                // Row term: the positive of row i against column j.
                let rowArgument = rowDiagonal - entry
                let row = penalty.evaluate(rowArgument)
                sum += column.value + row.value
                if penalty.isViolated(columnArgument) { violations += 1 }
                if penalty.isViolated(rowArgument) { violations += 1 }
                gradient[i * count + j] -= column.slope + row.slope
                gradient[j * count + j] += column.slope
                gradient[i * count + i] += row.slope
            }
        }
        self.sum = sum
        self.violations = violations
        self.gradient = gradient
    }

    /// The seed's accuracy, `1 − (#col + #row) / B / (B − 1) / 2`, in that order of operations.
    static func accuracy(violations: Int, count: Int) -> Double {
        1 - Double(violations) / Double(count) / Double(count - 1) / 2
    }

    /// The hard term's accuracy, `1 − #violated / B`.
    static func accuracy(violatedTriplets: Int, count: Int) -> Double {
        1 - Double(violatedTriplets) / Double(count)
    }
}

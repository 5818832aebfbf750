import MirrorCore

/// A `[B, C]` block of pooled features held in Double, the precision every loss computes in.
///
/// Why Double: the seed forms distances in the expanded form |a|² − 2a·p + |p|² (SPEC §8.5),
/// which in float32 cancels catastrophically when a ≈ p (|a|² of a max-pooled ResNet feature is
/// 10³–10⁵, so its float32 rounding exceeds the 1e-6 the seed adds, and the square root can see
/// a negative argument). At B ≤ 32 and C ≤ 2048 the loss costs a few million multiply–adds, so
/// doing all of it in Double is free next to the network, and it removes that rounding.
struct FeatureRows {
    let rows: Int
    let columns: Int
    /// Row-major values.
    var values: [Double]

    init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "FeatureRows: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: 0, count: rows * columns))
    }

    /// The features of a `[B, C]` tensor; `role` names it in the precondition message.
    init(_ tensor: Tensor, role: String) {
        precondition(tensor.rank == 2, "\(role) features must be [B, C], got \(tensor.shape)")
        self.init(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.data.map(Double.init))
    }

    /// The values rounded to float32, shaped `[B, C]`.
    var tensor: Tensor { Tensor(shape: [rows, columns], data: values.map(Float.init)) }

    /// |x_i|² for every row.
    var squaredNorms: [Double] {
        values.withUnsafeBufferPointer { x in
            (0..<rows).map { i in
                var sum = 0.0
                for c in i * columns..<(i + 1) * columns { sum += x[c] * x[c] }
                return sum
            }
        }
    }

    /// |x_i − y_i|² for every row, computed directly from the differences (the seed's hard term
    /// does it this way, not in the expanded form).
    func squaredRowDistances(to other: FeatureRows) -> [Double] {
        precondition(rows == other.rows && columns == other.columns)
        return values.withUnsafeBufferPointer { x in
            other.values.withUnsafeBufferPointer { y in
                (0..<rows).map { i in
                    var sum = 0.0
                    for c in i * columns..<(i + 1) * columns {
                        let difference = x[c] - y[c]
                        sum += difference * difference
                    }
                    return sum
                }
            }
        }
    }
}

/// The B×B matrix of squared distances between the rows of x and of y in the seed's expanded
/// form, `q[i, j] = |x_i|² − 2 x_i·y_j + |y_j|²`, and its backward pass.
enum PairwiseDistances {
    /// Row-major `q[i * B + j]`, accumulated in Double.
    static func expandedSquared(_ x: FeatureRows, _ y: FeatureRows) -> [Double] {
        precondition(x.rows == y.rows && x.columns == y.columns, "feature blocks differ in shape")
        let count = x.rows, columns = x.columns
        let xNorms = x.squaredNorms, yNorms = y.squaredNorms
        var result = [Double](repeating: 0, count: count * count)
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeBufferPointer { ys in
                for i in 0..<count {
                    let xi = xs.baseAddress! + i * columns
                    for j in 0..<count {
                        let yj = ys.baseAddress! + j * columns
                        var dot = 0.0
                        for c in 0..<columns { dot += xi[c] * yj[c] }
                        result[i * count + j] = xNorms[i] - 2 * dot + yNorms[j]
                    }
                }
            }
        }
        return result
    }

    /// Adds the gradient of `Σ_ij g[i, j] · q[i, j]` to `xGradient` and `yGradient`.
    ///
    /// Through the expanded form, ∂q[i, j]/∂x_i = 2 x_i − 2 y_j and ∂q[i, j]/∂y_j = 2 y_j − 2 x_i
    /// (the norms' and the product's derivatives added), so each pair adds ±2 g[i, j] (x_i − y_j).
    /// Pairs with g = 0 (clipped or inactive comparisons) are skipped.
    static func backward(_ g: [Double], _ x: FeatureRows, _ y: FeatureRows,
                         xGradient: inout FeatureRows, yGradient: inout FeatureRows) {
        let count = x.rows, columns = x.columns
        precondition(g.count == count * count)
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeBufferPointer { ys in
                xGradient.values.withUnsafeMutableBufferPointer { gx in
                    yGradient.values.withUnsafeMutableBufferPointer { gy in
                        for i in 0..<count {
                            for j in 0..<count {
                                let weight = 2 * g[i * count + j]
                                if weight == 0 { continue }
                                let xi = i * columns, yj = j * columns
                                for c in 0..<columns {
                                    let difference = weight * (xs[xi + c] - ys[yj + c])
                                    gx[xi + c] += difference
                                    gy[yj + c] -= difference
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the gradient of `Σ_i g[i] · |x_i − y_i|²` to `xGradient` and `yGradient`.
    static func rowBackward(_ g: [Double], _ x: FeatureRows, _ y: FeatureRows,
                            xGradient: inout FeatureRows, yGradient: inout FeatureRows) {
        let columns = x.columns
        for i in 0..<x.rows where g[i] != 0 {
            let weight = 2 * g[i]
            for c in i * columns..<(i + 1) * columns {
                let difference = weight * (x.values[c] - y.values[c])
                xGradient.values[c] += difference
                yGradient.values[c] -= difference
            }
        }
    }
}

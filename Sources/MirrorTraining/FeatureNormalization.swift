import MirrorCore

/// Row-wise L2 normalisation of pooled features, the seed's `feature_reduce(norm=True)`
/// (`tf.nn.l2_normalize`: `y = x / √max(‖x‖², 1e-12)`), and its gradient.
///
/// Why offer it (`mirror train --feature-norm`): the seed trains on raw pooled features
/// (`norm=False`, SPEC §8.4) and clips distance differences at ±10, but retrieval compares
/// L2-normalised descriptors. On EfficientNet-Lite0's head the raw distances are 60–100, so once
/// negatives are 10 units farther than positives the clipped softmin is flat and training stops
/// learning after a few dozen steps, with margins of ~10 % in the units retrieval uses. On unit
/// vectors every distance is ≤ 2, the clip is never reached, and the loss keeps separating
/// directions — the quantity the PR-MAC ranking reads.
enum FeatureNormalization {
    static let epsilon = 1e-12

    /// `[rows, columns]` → the normalised rows and each row's `√max(‖x‖², ε)`.
    static func forward(_ x: Tensor) -> (normalized: Tensor, norms: [Double]) {
        let rows = x.shape[0], columns = x.shape[1]
        var out = x
        var norms = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            let row = x.data[(r * columns)..<((r + 1) * columns)]
            let norm = max(row.reduce(0.0) { $0 + Double($1) * Double($1) }, epsilon).squareRoot()
            norms[r] = norm
            for c in 0..<columns { out.data[r * columns + c] = Float(Double(x.data[r * columns + c]) / norm) }
        }
        return (out, norms)
    }

    /// `∂L/∂x` from `∂L/∂y`: `(g − y·(y·g)) / n` per row (the ε floor's region, where `n` is
    /// constant, is not special-cased: it is only reached by an all-zero row, whose y is 0).
    static func backward(_ gradient: Tensor, normalized y: Tensor, norms: [Double]) -> Tensor {
        let rows = y.shape[0], columns = y.shape[1]
        var out = gradient
        for r in 0..<rows {
            var dot = 0.0
            for c in 0..<columns { dot += Double(y.data[r * columns + c]) * Double(gradient.data[r * columns + c]) }
            for c in 0..<columns {
                let i = r * columns + c
                out.data[i] = Float((Double(gradient.data[i]) - Double(y.data[i]) * dot) / norms[r])
            }
        }
        return out
    }
}

/// A fitted PCA whitening: what `sklearn.decomposition.PCA(whiten=True)` keeps after `fit`
/// (`mean_`, `components_`, `explained_variance_`) and the seed's transform
/// `Y = (X − mean)·componentsᵀ / sqrt(explained_variance)` followed by per-row L2 normalisation.
///
/// Numerical contract: float64 throughout, rounded to float32 only at the end (the matcher's
/// precision). A scale `sqrt(explained_variance)` below float64 ε is raised to ε, as current sklearn
/// does; sklearn 0.20 divided by zero there and the seed's `nan_to_num` then zeroed the rows.
public struct PCAModel: Equatable, Sendable {
    /// Per-dimension mean of the fitted rows, D values.
    public var mean: [Double]
    /// `[outputDims, inputDims]` row-major: component k is row k, in decreasing variance order.
    public var components: [Double]
    /// Variance along each component (`S²/(rows − 1)` for SVD solvers), outputDims values.
    public var explainedVariance: [Double]

    public var inputDims: Int { mean.count }
    public var outputDims: Int { explainedVariance.count }

    public init(mean: [Double], components: [Double], explainedVariance: [Double]) {
        precondition(components.count == mean.count * explainedVariance.count,
                     "PCA components must be \(explainedVariance.count)×\(mean.count)")
        self.mean = mean
        self.components = components
        self.explainedVariance = explainedVariance
    }

    /// Whitens and L2-normalises row-major `[rows, inputDims]` features; returns
    /// `[rows, outputDims]` float32 rows.
    public func transform(_ values: [Double]) -> [Float] {
        var centered = values
        center(&centered)
        return whitenCentered(centered)
    }

    /// Subtracts `mean` from every row in place.
    func center(_ values: inout [Double]) {
        let d = inputDims
        precondition(values.count % d == 0, "features are not rows of \(d) values")
        values.withUnsafeMutableBufferPointer { buffer in
            mean.withUnsafeBufferPointer { mu in
                for start in stride(from: 0, to: buffer.count, by: d) {
                    for j in 0..<d { buffer[start + j] -= mu[j] }
                }
            }
        }
    }

    /// `(Xc·componentsᵀ) / sqrt(ev)`, per-row L2 normalisation, float32; Xc already centred.
    /// Works in chunks of rows so the float64 intermediate stays small.
    func whitenCentered(_ centered: [Double]) -> [Float] {
        let d = inputDims, k = outputDims, rows = centered.count / d
        let scale = explainedVariance.map { max($0.squareRoot(), Double.ulpOfOne) }
        var output = [Float](repeating: 0, count: rows * k)
        let chunk = max(1, min(rows, (1 << 22) / max(1, k)))
        var projected = [Double](repeating: 0, count: chunk * k)
        centered.withUnsafeBufferPointer { x in
            components.withUnsafeBufferPointer { c in
                for first in stride(from: 0, to: rows, by: chunk) {
                    let count = min(chunk, rows - first)
                    // Row-major Y[count, k] = X[count, d]·Cᵀ is column-major Yᵀ[k, count] = C·Xᵀ.
                    projected.withUnsafeMutableBufferPointer { y in
                        DenseLinearAlgebra.dgemm(transposeA: true, transposeB: false, m: k, n: count, k: d, alpha: 1,
                                                 a: c.baseAddress!, lda: d, b: x.baseAddress! + first * d, ldb: d,
                                                 beta: 0, c: y.baseAddress!, ldc: k)
                        for row in 0..<count {
                            let line = UnsafeMutableBufferPointer(rebasing: y[(row * k)..<((row + 1) * k)])
                            for j in 0..<k { line[j] /= scale[j] }
                            L2Normalization.normalize(line)
                            for j in 0..<k { output[(first + row) * k + j] = Float(line[j]) }
                        }
                    }
                }
            }
        }
        return output
    }
}

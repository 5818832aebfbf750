/// The seed's PCA solvers, reproduced step by step from sklearn 0.20's recipe (SPEC §4) so that
/// whitened features — and therefore PR-MAC scores — match the published pipeline.
///
/// Randomized solver (`PCA(n_components=K, random_state=0, svd_solver='auto')` chose it for every
/// seed configuration), with `Xc = X − mean` of shape rows × D:
/// ```
/// n_iter = K < 0.1·min(rows, D) ? 7 : 4;  M = Xc, or Mᵀ-first (M = Xcᵀ) when rows < D
/// Ω = RandomState(0).normal(size: [M.cols, K + 10])
/// repeat n_iter { Ω = P·L of LU(M·Ω);  Ω = P·L of LU(Mᵀ·Ω) }
/// Q = QR_economic(M·Ω).Q;  (Û, S, Vᵀ) = SVD(Qᵀ·M)
/// components = Vᵀ[0..<K]  (transposed case: columns 0..<K of Q·Û);  ev = S[0..<K]² / (rows − 1)
/// ```
/// Signs follow sklearn 0.20's `svd_flip` on the sample-side singular vectors (the largest-magnitude
/// entry of each is made positive); they do not change any score. Agreement with sklearn 1.9.1
/// (which still follows this recipe when `svd_solver='randomized'` is forced): 1e-10 up to sign.
enum SeedRandomizedPCA {
    /// sklearn 0.20's `svd_solver='auto'` for an integer K: full SVD when `max(rows, D) ≤ 500` or
    /// `K ≥ 0.8·min(rows, D)`, randomized otherwise.
    static func usesRandomizedSolver(rows: Int, dims: Int, components k: Int) -> Bool {
        max(rows, dims) > 500 && k >= 1 && Double(k) < 0.8 * Double(min(rows, dims))
    }

    /// The randomized recipe on centred row-major `[rows, dims]` data; K components.
    static func randomized(centered xc: [Double], rows: Int, dims: Int,
                           components k: Int) throws -> (components: [Double], variance: [Double]) {
        let transposed = rows < dims
        let mRows = transposed ? dims : rows, mCols = transposed ? rows : dims
        let iterations = Double(k) < 0.1 * Double(min(rows, dims)) ? 7 : 4
        let samples = k + 10

        var random = MT19937(seed: 0)
        let normals = random.normals(count: mCols * samples)  // C order of shape [mCols, samples]
        var omega = ColumnMajorMatrix(zeros: mCols, samples)
        for i in 0..<mCols { for j in 0..<samples { omega[i, j] = normals[i * samples + j] } }

        return try xc.withUnsafeBufferPointer { buffer in
            let data = CenteredData(pointer: buffer.baseAddress!, rows: rows, dims: dims, transposed: transposed)
            for _ in 0..<iterations {
                omega = try DenseLinearAlgebra.luPermutedL(data.times(omega, transposeM: false))
                omega = try DenseLinearAlgebra.luPermutedL(data.times(omega, transposeM: true))
            }
            let q = try DenseLinearAlgebra.qrEconomicQ(data.times(omega, transposeM: false))
            let (uHat, s, vt) = try DenseLinearAlgebra.svd(data.transposedQTimesM(q))
            guard s.count >= k else { throw RetrievalError.pcaTooManyComponents(requested: k, available: s.count) }
            // U = Q·Û, first k columns: the sample-side vectors (transposed: the components).
            var u = ColumnMajorMatrix(zeros: mRows, k)
            q.values.withUnsafeBufferPointer { qp in
                uHat.values.withUnsafeBufferPointer { up in
                    u.values.withUnsafeMutableBufferPointer { out in
                        DenseLinearAlgebra.dgemm(transposeA: false, transposeB: false, m: mRows, n: k, k: q.cols,
                                                 alpha: 1, a: qp.baseAddress!, lda: mRows, b: up.baseAddress!,
                                                 ldb: uHat.rows, beta: 0, c: out.baseAddress!, ldc: mRows)
                    }
                }
            }
            var components = [Double](repeating: 0, count: k * dims)
            for c in 0..<k {
                let sampleSide: [Double], vector: [Double]
                if transposed {
                    vector = (0..<dims).map { u[$0, c] }
                    sampleSide = (0..<rows).map { vt[c, $0] }
                } else {
                    vector = (0..<dims).map { vt[c, $0] }
                    sampleSide = (0..<rows).map { u[$0, c] }
                }
                let sign = PCAWhitening.signOfLargestMagnitude(sampleSide) ?? 1
                components.replaceSubrange((c * dims)..<((c + 1) * dims), with: vector.map { $0 * sign })
            }
            let variance = s.prefix(k).map { $0 * $0 / Double(rows - 1) }
            return (components, variance)
        }
    }

    /// sklearn 0.20's `svd_solver='full'`: `U, S, Vᵀ = svd(Xc, full_matrices=False)`, u-based
    /// `svd_flip`, all `min(rows, D)` variances `S²/(rows − 1)`; `keep` picks how many to return.
    static func fullSVD(centered xc: [Double], rows: Int, dims: Int,
                        keep: ([Double]) -> Int) throws -> (components: [Double], variance: [Double]) {
        var a = ColumnMajorMatrix(zeros: rows, dims)
        xc.withUnsafeBufferPointer { x in
            a.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<rows { for j in 0..<dims { out[i + j * rows] = x[i * dims + j] } }
            }
        }
        let (u, s, vt) = try DenseLinearAlgebra.svd(a)
        let allVariance = s.map { $0 * $0 / Double(max(rows - 1, 1)) }
        let k = min(keep(allVariance), s.count)
        var components = [Double](repeating: 0, count: k * dims)
        for c in 0..<k {
            let sign = PCAWhitening.signOfLargestMagnitude((0..<rows).lazy.map { u[$0, c] }) ?? 1
            for j in 0..<dims { components[c * dims + j] = vt[c, j] * sign }
        }
        return (components, Array(allVariance.prefix(k)))
    }
}

/// The centred data matrix `M` of the randomized solver, without copying it: row-major Xc
/// `[rows, dims]` is column-major `A0 = Xcᵀ` `[dims, rows]`; M is `A0ᵀ` (or `A0` when transposed).
private struct CenteredData {
    let pointer: UnsafePointer<Double>
    let rows: Int
    let dims: Int
    let transposed: Bool

    /// `M·X` or `Mᵀ·X` for a column-major X.
    func times(_ x: ColumnMajorMatrix, transposeM: Bool) -> ColumnMajorMatrix {
        // op(M) is A0ᵀ ([rows, dims]) exactly when `transposed == transposeM`.
        let useA0Transposed = transposed == transposeM
        let m = useA0Transposed ? rows : dims, inner = useA0Transposed ? dims : rows
        precondition(x.rows == inner, "randomized PCA: inner dimensions differ")
        var out = ColumnMajorMatrix(zeros: m, x.cols)
        x.values.withUnsafeBufferPointer { b in
            out.values.withUnsafeMutableBufferPointer { c in
                DenseLinearAlgebra.dgemm(transposeA: useA0Transposed, transposeB: false, m: m, n: x.cols, k: inner,
                                         alpha: 1, a: pointer, lda: dims, b: b.baseAddress!, ldb: inner,
                                         beta: 0, c: c.baseAddress!, ldc: m)
            }
        }
        return out
    }

    /// `Qᵀ·M` for a column-major Q with M's row count.
    func transposedQTimesM(_ q: ColumnMajorMatrix) -> ColumnMajorMatrix {
        let mCols = transposed ? rows : dims, mRows = transposed ? dims : rows
        precondition(q.rows == mRows, "randomized PCA: Q has the wrong height")
        var out = ColumnMajorMatrix(zeros: q.cols, mCols)
        q.values.withUnsafeBufferPointer { a in
            out.values.withUnsafeMutableBufferPointer { c in
                // M = A0ᵀ → op(B) = A0ᵀ (transposeB); M = A0 → op(B) = A0.
                DenseLinearAlgebra.dgemm(transposeA: true, transposeB: !transposed, m: q.cols, n: mCols, k: mRows,
                                         alpha: 1, a: a.baseAddress!, lda: mRows, b: pointer, ldb: dims,
                                         beta: 0, c: c.baseAddress!, ldc: q.cols)
            }
        }
        return out
    }
}

internal import CBLAS

/// A dense float64 matrix in **column-major** order (LAPACK's layout): element (i, j) is
/// `values[i + j · rows]`. A row-major `[r, c]` buffer is the column-major `[c, r]` transpose.
struct ColumnMajorMatrix {
    var rows: Int
    var cols: Int
    var values: [Double]

    init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "\(values.count) values for a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [Double](repeating: 0, count: rows * cols))
    }

    subscript(i: Int, j: Int) -> Double {
        get { values[i + j * rows] }
        set { values[i + j * rows] = newValue }
    }
}

/// The one choke point for OpenBLAS and its LAPACK: every BLAS/LAPACK call in MirrorRetrieval goes
/// through here, and LAPACK `info ≠ 0` becomes `RetrievalError.lapackFailed(routine:info:)`.
/// All LAPACK routines here are column-major; workspace sizes come from `lwork = −1` queries.
enum DenseLinearAlgebra {
    // MARK: BLAS

    /// `C = alpha · op(A) · op(B) + beta · C`, column-major float64 (`cblas_dgemm`).
    static func dgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                      a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                      beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// `C = A · Aᵀ` into the upper triangle of the column-major `n×n` C, with A column-major `n×k`
    /// (`cblas_dsyrk`; a row-major `[k, n]` data matrix X gives `C = Xᵀ·X`).
    static func dsyrk(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, blasInt(n), blasInt(k), 1, a, blasInt(lda),
                    0, c, blasInt(ldc))
    }

    /// `C = alpha · A · Bᵀ`, **row-major** float32: A is `m×k` (leading dimension lda), B is `n×k`,
    /// C is `m×n` (`cblas_sgemm`; the PR-MAC similarity tile).
    static func sgemmABt(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasInt(m), blasInt(n), blasInt(k), alpha,
                    a, blasInt(lda), b, blasInt(ldb), 0, c, blasInt(ldc))
    }

    /// Runs `body` with OpenBLAS limited to `threads` threads, then restores the previous setting.
    /// The setting is process-wide: callers that run BLAS from several threads of their own pass 1.
    static func withBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let previous = Int(openblas_get_num_threads())
        openblas_set_num_threads(Int32(max(1, threads)))
        defer { openblas_set_num_threads(Int32(previous)) }
        return try body()
    }

    private static func blasInt(_ value: Int) -> Int32 {
        precondition(value <= Int(Int32.max), "dimension \(value) exceeds BLAS's 32-bit integers")
        return Int32(value)
    }

    // MARK: LAPACK

    /// Eigen-decomposition of a symmetric matrix (`dsyevd`, divide and conquer, lower triangle
    /// read). Returns the eigenvalues in **ascending** order; `a` is replaced by the orthonormal
    /// eigenvectors, column `j` belonging to eigenvalue `j`.
    static func symmetricEigen(_ a: inout ColumnMajorMatrix) throws -> [Double] {
        precondition(a.rows == a.cols, "dsyevd needs a square matrix")
        var n = Int32(a.rows), lda = Int32(max(1, a.rows)), info: Int32 = 0
        var w = [Double](repeating: 0, count: a.rows)
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "L"))
        var workSize = 0.0, iworkSize: Int32 = 0, query: Int32 = -1
        dsyevd_(&jobz, &uplo, &n, &a.values, &lda, &w, &workSize, &query, &iworkSize, &query, &info, 1, 1)
        try check("dsyevd", info)
        var lwork = Int32(workSize.rounded(.up)), liwork = max(1, iworkSize)
        var work = [Double](repeating: 0, count: Int(max(1, lwork)))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &n, &a.values, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        try check("dsyevd", info)
        return w
    }

    /// `P·L` of the LU factorisation with partial pivoting `A = P·L·U` (`dgetrf`), i.e. SciPy's
    /// `lu(A, permute_l=True)[0]`: an `m × min(m, n)` matrix whose rows are L's rows permuted back.
    static func luPermutedL(_ a: ColumnMajorMatrix) throws -> ColumnMajorMatrix {
        let m = a.rows, n = a.cols, k = min(m, n)
        var factors = a.values
        var mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: max(1, k))
        dgetrf_(&mm, &nn, &factors, &lda, &pivots, &info)
        // info > 0 only reports an exactly singular U; L is still complete, as in SciPy.
        if info < 0 { try check("dgetrf", info) }
        // L: unit diagonal, below-diagonal part of the factors, first k columns.
        var l = ColumnMajorMatrix(zeros: m, k)
        for j in 0..<k {
            l[j, j] = 1
            for i in (j + 1)..<max(j + 1, m) { l[i, j] = factors[i + j * m] }
        }
        // dgetrf swapped row i with row pivots[i] (1-based) for i = 0, 1, …; A = P·L·U, so P·L
        // undoes those interchanges on L in reverse order.
        for i in stride(from: k - 1, through: 0, by: -1) {
            let p = Int(pivots[i]) - 1
            guard p != i else { continue }
            for j in 0..<k { l.values.swapAt(i + j * m, p + j * m) }
        }
        return l
    }

    /// The `m × n` factor Q of the economic QR factorisation of an `m × n` matrix, `m ≥ n`
    /// (`dgeqrf` then `dorgqr`; SciPy's `qr(A, mode='economic')[0]`).
    static func qrEconomicQ(_ a: ColumnMajorMatrix) throws -> ColumnMajorMatrix {
        let m = a.rows, n = a.cols
        precondition(m >= n, "economic QR here needs rows ≥ columns")
        var q = a
        var mm = Int32(m), nn = Int32(n), kk = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0
        var tau = [Double](repeating: 0, count: max(1, n))
        var workSize = 0.0, query: Int32 = -1
        dgeqrf_(&mm, &nn, &q.values, &lda, &tau, &workSize, &query, &info)
        try check("dgeqrf", info)
        var lwork = Int32(max(1, workSize.rounded(.up)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeqrf_(&mm, &nn, &q.values, &lda, &tau, &work, &lwork, &info)
        try check("dgeqrf", info)
        dorgqr_(&mm, &nn, &kk, &q.values, &lda, &tau, &workSize, &query, &info)
        try check("dorgqr", info)
        lwork = Int32(max(1, workSize.rounded(.up)))
        work = [Double](repeating: 0, count: Int(lwork))
        dorgqr_(&mm, &nn, &kk, &q.values, &lda, &tau, &work, &lwork, &info)
        try check("dorgqr", info)
        return q
    }

    /// Thin SVD `A = U·diag(s)·Vᵀ` (`dgesdd`, divide and conquer, as SciPy's default driver):
    /// U is `m × p`, s has p values in descending order, Vᵀ is `p × n`, p = min(m, n). Consumes A,
    /// whose storage becomes U (m ≥ n) or Vᵀ (m < n) (`jobz = 'O'`), so a large input is not duplicated.
    static func svd(_ a: consuming ColumnMajorMatrix) throws -> (u: ColumnMajorMatrix, s: [Double], vt: ColumnMajorMatrix) {
        let m = a.rows, n = a.cols, p = min(m, n)
        var values = a.values
        var mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0
        var s = [Double](repeating: 0, count: p)
        var jobz = Int8(UInt8(ascii: "O"))
        // jobz = 'O': m ≥ n → U overwrites A, Vᵀ is n×n; m < n → Vᵀ overwrites A, U is m×m.
        var other = [Double](repeating: 0, count: p * p)
        var ldu = Int32(m >= n ? 1 : max(1, m)), ldvt = Int32(m >= n ? max(1, n) : 1)
        var iwork = [Int32](repeating: 0, count: 8 * max(1, p))
        var workSize = 0.0, query: Int32 = -1
        var dummy = [Double](repeating: 0, count: 1)
        func call(_ work: UnsafeMutablePointer<Double>, _ lwork: UnsafeMutablePointer<Int32>) {
            other.withUnsafeMutableBufferPointer { otherBuffer in
                dummy.withUnsafeMutableBufferPointer { dummyBuffer in
                    let u = m >= n ? dummyBuffer.baseAddress! : otherBuffer.baseAddress!
                    let vt = m >= n ? otherBuffer.baseAddress! : dummyBuffer.baseAddress!
                    dgesdd_(&jobz, &mm, &nn, &values, &lda, &s, u, &ldu, vt, &ldvt, work, lwork, &iwork, &info, 1)
                }
            }
        }
        call(&workSize, &query)
        try check("dgesdd", info)
        var lwork = Int32(max(1, workSize.rounded(.up)))
        var work = [Double](repeating: 0, count: Int(lwork))
        work.withUnsafeMutableBufferPointer { call($0.baseAddress!, &lwork) }
        try check("dgesdd", info)
        if m >= n {
            values.removeSubrange((m * p)...)
            return (ColumnMajorMatrix(rows: m, cols: p, values: values), s, ColumnMajorMatrix(rows: p, cols: n, values: other))
        }
        // Vᵀ occupies the leading p×n block of A with leading dimension m = p.
        return (ColumnMajorMatrix(rows: m, cols: p, values: other), s, ColumnMajorMatrix(rows: p, cols: n, values: values))
    }

    private static func check(_ routine: String, _ info: Int32) throws {
        guard info == 0 else { throw RetrievalError.lapackFailed(routine: routine, info: Int(info)) }
    }
}

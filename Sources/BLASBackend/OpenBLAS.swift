internal import CBLAS

/// The only file that calls OpenBLAS (STYLE example 8).
///
/// OpenBLAS's thread count is process-global: each call sets it to the calling engine's
/// `threads` when it differs, so two BLAS engines with different counts must not run at the
/// same time (mirror creates one engine per run).
enum OpenBLAS {
    /// Row-major `C = alpha·op(A)·op(B) + beta·C` on `threads` OpenBLAS threads.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        guard m > 0 && n > 0 else { return }
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "GEMM extent exceeds Int32")
        useThreads(threads)
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                    beta, c, Int32(max(ldc, 1)))
    }

    /// Sets OpenBLAS's global thread count if it differs.
    static func useThreads(_ threads: Int) {
        let wanted = Int32(clamping: threads)
        if openblas_get_num_threads() != wanted { openblas_set_num_threads(wanted) }
    }
}

internal import CBLAS

/// The only file that calls OpenBLAS (STYLE example 8).
///
/// OpenBLAS's thread count is process-global. The BLAS engine keeps it at its own `threads`
/// between ops (so other users of the library, such as retrieval, see the `--threads` count),
/// and drops it to 1 while its convolution workers each run single-threaded GEMMs. Two BLAS
/// engines with different thread counts must therefore not run at the same time (mirror
/// creates one engine per run).
enum OpenBLAS {
    /// Row-major `C = alpha·op(A)·op(B) + beta·C` with whatever thread count OpenBLAS has.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 && n > 0 else { return }
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "GEMM extent exceeds Int32")
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                    beta, c, Int32(max(ldc, 1)))
    }

    /// Sets OpenBLAS's global thread count if it differs.
    static func useThreads(_ threads: Int) {
        let wanted = Int32(clamping: threads)
        if openblas_get_num_threads() != wanted { openblas_set_num_threads(wanted) }
    }

    /// Runs `body` with OpenBLAS single-threaded (for GEMMs issued by several workers at once),
    /// then restores `threads`.
    static func singleThreaded<R>(restoring threads: Int, _ body: () -> R) -> R {
        useThreads(1)
        defer { useThreads(threads) }
        return body()
    }
}

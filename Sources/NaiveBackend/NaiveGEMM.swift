import MirrorCore

extension NaiveKernels {
    /// Triple-loop GEMM with BLAS semantics, `C = alpha·op(A)·op(B) + beta·C` (row-major;
    /// `beta == 0` does not read C). Each dot product is summed in Double (the Float products
    /// are exact there) and the result rounded once.
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Element (i, p) of op(A) and (p, j) of op(B) in row-major storage.
        let aRowStride = transposeA ? 1 : lda, aColumnStride = transposeA ? lda : 1
        let bRowStride = transposeB ? 1 : ldb, bColumnStride = transposeB ? ldb : 1
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += Double(a[i * aRowStride + p * aColumnStride]) * Double(b[p * bRowStride + j * bColumnStride])
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }
}

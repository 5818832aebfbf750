import MirrorCore

/// The reference engine: every op is a plain loop written from its definition (SPEC §2), with
/// Double accumulation for sums, single-threaded. It is correct rather than fast; the other
/// engines are tested against it.
///
/// `threads` is recorded for uniformity and ignored.
public final class NaiveEngine: ComputeBackend {
    public let kind = BackendKind.naive
    public let threads: Int

    public init(threads: Int = 1) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
    }

    public func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor?) -> Tensor {
        NaiveKernels.conv2d(input, layer, adding: residual)
    }

    public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        NaiveKernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// The reference kernels, one static function per op, public so that other engines can delegate
/// a case they decline (e.g. a grouped convolution that is not depthwise).
public enum NaiveKernels {}

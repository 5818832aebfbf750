import MirrorCore
import NaiveBackend
import SIMDBackend

/// The OpenBLAS engine: convolutions become `cblas_sgemm` calls (im2col for k×k and strided
/// kernels, the NHWC input in place for 1×1 stride-1, Winograd F(2×2, 3×3) products for 3×3
/// stride-1), issued per row tile by `threads` workers with single-threaded OpenBLAS, each
/// followed by one pass for bias, residual and activation while the tile is in cache. `gemm`
/// runs one OpenBLAS call on `threads` OpenBLAS threads. Where OpenBLAS does not pay, layers go
/// to the SIMD engine: depthwise, grouped and few-input-channel convolutions, 1×1 layers on small
/// maps (`smallMapPixels`), and the cheap elementwise/pooling ops; it falls back to the
/// reference for the rest. See Docs/ENGINES.md.
public final class BLASEngine: ComputeBackend {
    public let kind = BackendKind.blas
    public let threads: Int
    /// The engine this one delegates non-GEMM work to, with the same thread count.
    let fallback: SIMDEngine

    /// 1×1 stride-1 layers on maps of at most this many pixels go to the SIMD GEMM, whose
    /// weights are packed once per layer: OpenBLAS repacks B on every call, which on small maps
    /// (56×56 and 28×28 at 896 px, every late layer at 224 px) costs more than the product saves.
    /// Measured: Lite0 @896 blas 93 → 87 ms, ResNet-50 @896 595 → 574 ms, @224 46 → 41 ms; the
    /// packed copies add ~36 MB of peak RSS to ResNet-50 (584 → 620 MB).
    static let smallMapPixels = 4096

    public init(threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
        fallback = SIMDEngine(threads: threads)
        OpenBLAS.useThreads(threads)
    }

    public func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor?) -> Tensor {
        // Depthwise, grouped and few-input-channel (RGB stem) layers: GEMM does not pay there.
        guard layer.groups == 1, !StemConvolution.applies(to: layer) else {
            return fallback.conv2d(input, layer, adding: residual)
        }
        if WinogradTransforms.pays(for: layer, inputShape: input.shape, threads: threads) {
            return BLASWinograd.run(input, layer, residual: residual, threads: threads)
        }
        if layer.isPointwise && layer.stride == 1 && input.shape[0] * input.shape[1] * input.shape[2] <= Self.smallMapPixels {
            return fallback.conv2d(input, layer, adding: residual)
        }
        return BLASConvolution.run(input, layer, residual: residual, threads: threads)
    }

    /// Fused band by band (`FusedBottleneck`) with single-threaded `cblas_sgemm` per worker.
    public func invertedBottleneck(_ input: Tensor, _ block: InvertedBottleneck) -> Tensor {
        let fused = OpenBLAS.singleThreaded(restoring: threads) {
            FusedBottleneck.run(input, block, threads: threads) { layer, a, rows, c, residual in
                BLASConvolution.product(layer, a: a, rows: rows, columns: layer.outputChannels, c: c, residual: residual)
            }
        }
        return fused ?? block.composed(input, on: self)
    }

    public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        OpenBLAS.useThreads(threads)
        OpenBLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    // Not GEMM work: the SIMD engine's vectorised, threaded kernels.
    public func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        fallback.maxPool(input, window: window, stride: stride, padding: padding)
    }

    public func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        fallback.avgPool(input, window: window, stride: stride, padding: padding)
    }

    public func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        fallback.lrn(input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
    }

    public func concatChannels(_ inputs: [Tensor]) -> Tensor { fallback.concatChannels(inputs) }

    public func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor {
        fallback.add(a, b, activation: activation)
    }

    public func activate(_ input: Tensor, _ activation: Activation) -> Tensor { fallback.activate(input, activation) }
}

import MirrorCore
import NaiveBackend

/// The pure-Swift fast engine: a register- and cache-blocked SIMD GEMM (`SIMDGEMM`) behind
/// im2col or in-place 1×1 convolutions, Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions, a
/// direct channel-vectorised depthwise kernel, and vectorised, threaded elementwise and pooling
/// ops. No C libraries. See Docs/ENGINES.md.
///
/// Declines (delegates to the reference kernels): grouped convolutions that are not depthwise,
/// batch norm (folded into convolutions by the networks) and global average pooling (one small
/// pass at the end of a network).
public final class SIMDEngine: ComputeBackend {
    public let kind = BackendKind.simd
    public let threads: Int

    public init(threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
    }

    public func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor?) -> Tensor {
        if layer.isDepthwise { return DepthwiseConvolution.run(input, layer, residual: residual, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2d(input, layer, adding: residual) }
        if StemConvolution.applies(to: layer) {
            return StemConvolution.run(input, layer, residual: residual, threads: threads)
        }
        if WinogradTransforms.pays(for: layer, inputShape: input.shape, threads: threads) {
            return WinogradConvolution.run(input, layer, residual: residual, threads: threads)
        }
        return SIMDConvolution.run(input, layer, residual: residual, threads: threads)
    }

    public func invertedBottleneck(_ input: Tensor, _ block: InvertedBottleneck) -> Tensor {
        FusedBottleneck.run(input, block, threads: threads, pointwise: SIMDConvolution.pointwise)
            ?? block.composed(input, on: self)
    }

    public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        SIMDGEMM.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
    }

    public func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        SIMDPooling.maxPool(input, window: window, stride: stride, padding: padding, threads: threads)
    }

    public func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        SIMDPooling.avgPool(input, window: window, stride: stride, padding: padding, threads: threads)
    }

    public func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        SIMDChannelOps.lrn(input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta, threads: threads)
    }

    public func concatChannels(_ inputs: [Tensor]) -> Tensor {
        SIMDChannelOps.concatChannels(inputs, threads: threads)
    }

    public func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor {
        precondition(a.shape == b.shape, "add needs equal shapes, got \(a.shape) and \(b.shape)")
        return Tensor(shape: a.shape, initializingWith: { out in
            guard let y = out.baseAddress else { return }
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    VectorKernels.add(pa.baseAddress!, pb.baseAddress!, activation: activation, into: y,
                                      count: a.count, threads: threads)
                }
            }
        })
    }

    public func activate(_ input: Tensor, _ activation: Activation) -> Tensor {
        Tensor(shape: input.shape, initializingWith: { out in
            guard let y = out.baseAddress else { return }
            input.data.withUnsafeBufferPointer { x in
                VectorKernels.activate(x.baseAddress!, activation, into: y, count: input.count, threads: threads)
            }
        })
    }
}

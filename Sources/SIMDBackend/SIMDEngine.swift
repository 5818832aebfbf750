import MirrorCore
import NaiveBackend

/// The pure-Swift fast engine: a register- and cache-blocked SIMD GEMM (`SIMDGEMM`) behind
/// im2col or in-place 1×1 convolutions, a direct channel-vectorised depthwise kernel, and
/// vectorised, threaded elementwise and pooling ops. No C libraries.
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

    public func conv2d(_ input: Tensor, _ layer: ConvolutionLayer) -> Tensor {
        if layer.isDepthwise { return DepthwiseConvolution.run(input, layer, threads: threads) }
        guard layer.groups == 1 else { return NaiveKernels.conv2d(input, layer) }
        if WinogradTransforms.applies(to: layer) { return WinogradConvolution.run(input, layer, threads: threads) }
        return SIMDConvolution.run(input, layer, threads: threads)
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

/// Ungrouped convolution as one GEMM: `[outH·outW, kh·kw·cin] × [kh·kw·cin, cout]`.
public enum SIMDConvolution {
    /// Cache key of the packed kernel on the `ConvolutionLayer`.
    static let packingKey = "simd.B.kc\(SIMDGEMM.blockDepth).nr\(GEMMKernel.columns)"

    /// 1×1 stride-1 convolutions read the NHWC input in place as the `[pixels, cin]` A matrix;
    /// everything else (k×k, strided 1×1, explicit padding) builds im2col rows chunk by chunk in
    /// each worker's scratch (≤ 2 MiB per worker, see `SIMDGEMM.rowsPerChunk`). The kernel is
    /// packed once per layer; bias and activation are applied in the micro-kernel's store.
    public static func run(_ input: Tensor, _ layer: ConvolutionLayer, threads: Int) -> Tensor {
        precondition(layer.groups == 1, "SIMDConvolution handles ungrouped convolutions")
        let g = layer.geometry(inputShape: input.shape)
        let k = g.patchLength, cout = g.outputChannels
        let packed = layer.prepacked(packingKey) {
            layer.kernel.data.withUnsafeBufferPointer {
                PackedMatrix(rows: k, columns: cout, blockDepth: SIMDGEMM.blockDepth, from: $0.baseAddress!,
                             rowStride: cout, columnStride: 1)
            }
        }
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard g.outputPixels > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                let x = xBuffer.baseAddress!
                let source: RowSource
                if layer.isPointwise && g.stride == 1 {
                    source = .matrix(x, lda: g.inputChannels)
                } else {
                    source = RowSource(scratchColumns: k) { first, count, scratch in
                        Im2col.copyRows(g, input: x, firstRow: first, count: count, into: scratch!, ld: k)
                        return (UnsafePointer(scratch!), k)
                    }
                }
                withOptionalPointer(layer.bias) { bias in
                    SIMDGEMM.multiply(m: g.outputPixels, source: source, packed: packed, c: out.baseAddress!,
                                      ldc: cout, epilogue: GEMMEpilogue(bias: bias, activation: layer.activation),
                                      threads: threads)
                }
            }
        })
    }
}

/// Calls `body` with a pointer to `values`' storage, or nil.
@inline(__always)
public func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

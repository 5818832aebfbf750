import MirrorCore

/// Ungrouped convolution as one GEMM: `[outH·outW, kh·kw·cin] × [kh·kw·cin, cout]`.
public enum SIMDConvolution {
    /// Cache key of the packed kernel on the `ConvolutionLayer`.
    static let packingKey = "simd.B.kc\(SIMDGEMM.blockDepth).nr\(GEMMKernel.columns)"

    /// 1×1 stride-1 convolutions read the NHWC input in place as the `[pixels, cin]` A matrix;
    /// everything else (k×k, strided 1×1, explicit padding) builds im2col rows chunk by chunk in
    /// each worker's scratch (≤ 2 MiB per worker, see `SIMDGEMM.rowsPerChunk`). The kernel is
    /// packed once per layer; bias and activation are applied in the micro-kernel's store.
    public static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor? = nil,
                           threads: Int) -> Tensor {
        precondition(layer.groups == 1, "SIMDConvolution handles ungrouped convolutions")
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let k = g.patchLength, cout = g.outputChannels
        let packed = packedKernel(layer)
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
                    withOptionalPointer(residual?.data) { residual in
                        SIMDGEMM.multiply(m: g.outputPixels, source: source, packed: packed, c: out.baseAddress!, ldc: cout,
                                          epilogue: GEMMEpilogue(bias: bias, residual: residual,
                                                                 activation: layer.activation),
                                          threads: threads)
                    }
                }
            }
        })
    }
}

extension SIMDConvolution {
    /// The layer's HWIO kernel read as `[kh·kw·cin, cout]`, packed once and cached on the layer.
    static func packedKernel(_ layer: ConvolutionLayer) -> PackedMatrix {
        layer.prepacked(packingKey) {
            layer.kernel.data.withUnsafeBufferPointer {
                PackedMatrix(rows: layer.kernelHeight * layer.kernelWidth * layer.inputChannels,
                             columns: layer.outputChannels, blockDepth: SIMDGEMM.blockDepth, from: $0.baseAddress!,
                             rowStride: layer.outputChannels, columnStride: 1)
            }
        }
    }

    /// A 1×1 stride-1 layer on `rows` contiguous pixels, on the calling thread:
    /// `c = act(a·W + bias [+ residual])`, `a` `[rows, cin]`, `c` and `residual` `[rows, cout]`.
    /// The fused block's GEMM (`FusedBottleneck.Pointwise`).
    static func pointwise(_ layer: ConvolutionLayer, a: UnsafePointer<Float>, rows: Int,
                          c: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) {
        withOptionalPointer(layer.bias) { bias in
            SIMDGEMM.multiply(m: rows, source: .matrix(a, lda: layer.inputChannels), packed: packedKernel(layer), c: c,
                              ldc: layer.outputChannels,
                              epilogue: GEMMEpilogue(bias: bias, residual: residual, activation: layer.activation),
                              threads: 1)
        }
    }
}

extension ConvolutionLayer {
    /// Calls `body` with the layer's bias, or with `outputChannels` zeros when it has none: for
    /// the direct kernels, whose sums always start from a bias.
    func withBias<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        (bias ?? [Float](repeating: 0, count: outputChannels)).withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Calls `body` with a pointer to `values`' storage, or nil.
@inline(__always)
public func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

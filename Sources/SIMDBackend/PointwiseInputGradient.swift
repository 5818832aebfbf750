import MirrorCore

/// The input gradient of a 1×1 stride-1 layer, `∂x = gradOutput · Wᵀ`, on
/// `WeightGradientKernel`'s 6×16 tile rather than the forward GEMM's 6×32 one.
///
/// Why: on the AVX2 machines mirror now runs on, the 6×32 tile's twelve `SIMD16<Float>`
/// accumulators need 24 ymm registers and spill, while the 6×16 tile fits in 12. Measured in
/// CPU time on two threads (Zen 1, EfficientNet-Lite0 @224, 24 images): the 1×1 input gradients
/// took 1018 ms through the forward GEMM (the transposed 1×1 convolution) and 738 ms here; a
/// ResNet 1×1 256→64 on 24×56×56 took 79 ms against 130 ms for the forward GEMM of the same
/// size. For narrow inputs (16, 24, 40 channels) the 6×32 tile also computed mostly padding.
/// (On AVX-512 the 6×32 tile would be the faster one; the forward GEMM keeps it.)
///
/// `Wᵀ` (`[cout, cin]`) is packed once per layer into 16-wide panels and cached on it. Rows are
/// cut into chunks of 192 pixels handed out to the threads; every element is one register sum
/// over `cout` in order, so results do not depend on the thread count.
enum PointwiseInputGradient {
    static let cacheKey = "simd.BT.panels16"

    static func applies(to layer: ConvolutionLayer) -> Bool {
        layer.isPointwise && layer.stride == 1
    }

    final class Panels {
        let values: [Float]
        init(_ layer: ConvolutionLayer) {
            let cout = layer.outputChannels, cin = layer.inputChannels
            let panels = (cin + WeightGradientKernel.columns - 1) / WeightGradientKernel.columns
            // Wᵀ[co, ci] = W[ci, co]: pack rows of Wᵀ, i.e. columns of W.
            var transposed = [Float](repeating: 0, count: cout * cin)
            for ci in 0..<cin {
                for co in 0..<cout { transposed[co * cin + ci] = layer.kernel.data[ci * cout + co] }
            }
            var packed = [Float](repeating: 0, count: panels * cout * WeightGradientKernel.columns)
            transposed.withUnsafeBufferPointer { t in
                packed.withUnsafeMutableBufferPointer { p in
                    WeightGradientKernel.packPanels(t.baseAddress!, ldb: cin, rows: cout, n: cin, into: p.baseAddress!)
                }
            }
            values = packed
        }
    }

    static func run(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        precondition(applies(to: layer), "not a 1×1 stride-1 layer")
        let g = layer.geometry(inputShape: inputShape)
        g.checkGradientOutput(gradOutput)
        let cin = g.inputChannels, cout = g.outputChannels, m = g.outputPixels
        let panels = layer.prepacked(cacheKey) { Panels(layer) }
        let chunkRows = 192
        return Tensor(shape: inputShape, initializingWith: { out in
            guard m > 0 else { return }
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                panels.values.withUnsafeBufferPointer { bBuffer in
                    let dy = dyBuffer.baseAddress!, b = bBuffer.baseAddress!, dx = out.baseAddress!
                    let panelCount = (cin + WeightGradientKernel.columns - 1) / WeightGradientKernel.columns
                    Parallel.forEach(count: (m + chunkRows - 1) / chunkRows, threads: threads) { chunk in
                        let first = chunk * chunkRows, rows = min(chunkRows, m - first)
                        for q in 0..<panelCount {
                            let panel = b + q * cout * WeightGradientKernel.columns
                            for r in stride(from: 0, to: rows, by: WeightGradientKernel.rows) {
                                WeightGradientKernel.run(depth: cout, a: dy + (first + r) * cout, rowStride: cout, depthStride: 1,
                                                         rows: min(WeightGradientKernel.rows, rows - r), b: panel,
                                                         c: dx + (first + r) * cin + q * WeightGradientKernel.columns, ldc: cin,
                                                         columns: min(WeightGradientKernel.columns, cin - q * WeightGradientKernel.columns),
                                                         accumulate: false)
                            }
                        }
                    }
                }
            }
        })
    }
}

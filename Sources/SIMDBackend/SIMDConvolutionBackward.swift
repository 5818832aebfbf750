import MirrorCore

/// Ungrouped convolution gradients on the SIMD engine's own GEMMs.
///
/// - Input gradient of strided layers: `gradOutput · Wᵀ`, each chunk's column matrix from a
///   single-threaded multiply in its worker, scattered back by col2im
///   (`ConvolutionInputGradient`); `Wᵀ` (`[cout, kh·kw·cin]`) is packed once per layer and
///   cached on it. (Stride-1 layers run the forward convolution of `TransposedConvolution`; for
///   a 1×1 layer that is one threaded GEMM on the output gradient in place.)
/// - Filter gradient: `WeightGradientKernel` on each chunk (`ConvolutionFilterGradient`), the
///   output-gradient rows read in place when `cout` is a multiple of 16, else packed into
///   16-wide panels per chunk.
public enum SIMDConvolutionBackward {
    static let transposedPackingKey = "simd.BT.kc\(SIMDGEMM.blockDepth).nr\(GEMMKernel.columns)"

    /// Strided (or over-padded) layers: GEMM chunks + col2im. Stride-1 layers never get here
    /// (`TransposedConvolution`).
    public static func input(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        precondition(layer.groups == 1, "SIMDConvolutionBackward handles ungrouped convolutions")
        let packed = packedTransposedKernel(layer)
        let k = layer.kernelHeight * layer.kernelWidth * layer.inputChannels, cout = layer.outputChannels
        return ConvolutionInputGradient.run(gradOutput, layer, inputShape: inputShape, threads: threads) { dy, rows, columns in
            SIMDGEMM.multiply(m: rows, source: .matrix(dy, lda: cout), packed: packed, c: columns, ldc: k,
                              epilogue: GEMMEpilogue(), threads: 1)
        }
    }

    public static func filter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer,
                              threads: Int) -> ConvolutionGradients {
        let cout = layer.outputChannels, width = WeightGradientKernel.columns
        // Output gradients whose rows are whole 16-wide panels are read in place; others are packed.
        let inPlace = cout % width == 0
        let panelColumns = (cout + width - 1) / width * width
        return ConvolutionFilterGradient.run(input, gradOutput, layer, threads: threads,
                                             productScratch: { rows in inPlace ? 0 : rows * panelColumns }) {
            a, lda, rows, kRange, dy, partial, scratch in
            let c = partial + kRange.lowerBound * cout, a = a + kRange.lowerBound
            if inPlace {
                WeightGradientKernel.accumulate(a: a, lda: lda, k: kRange.count, rows: rows, b: dy, panelOffset: width,
                                                bStride: cout, n: cout, c: c, ldc: cout)
            } else {
                WeightGradientKernel.packPanels(dy, ldb: cout, rows: rows, n: cout, into: scratch!)
                WeightGradientKernel.accumulate(a: a, lda: lda, k: kRange.count, rows: rows, b: scratch!,
                                                panelOffset: rows * width, bStride: width, n: cout, c: c, ldc: cout)
            }
        }
    }

    /// `Wᵀ` of the layer's HWIO kernel (`[cout, kh·kw·cin]`), packed once and cached on the layer.
    static func packedTransposedKernel(_ layer: ConvolutionLayer) -> PackedMatrix {
        layer.prepacked(transposedPackingKey) {
            layer.kernel.data.withUnsafeBufferPointer {
                PackedMatrix(rows: layer.outputChannels, columns: layer.kernelHeight * layer.kernelWidth * layer.inputChannels,
                             blockDepth: SIMDGEMM.blockDepth, from: $0.baseAddress!, rowStride: 1,
                             columnStride: layer.outputChannels)
            }
        }
    }
}

import MirrorCore

/// Ungrouped convolution gradients on the SIMD engine's own GEMMs.
///
/// - Input gradient: `gradOutput · Wᵀ`. For a 1×1 stride-1 layer that product is `∂L/∂x`
///   itself, one threaded `SIMDGEMM.multiply` with the output gradient read in place; otherwise
///   each chunk's column matrix comes from a single-threaded multiply in its worker and goes
///   back through col2im (`ConvolutionInputGradient`). `Wᵀ` (`[cout, kh·kw·cin]`) is packed once
///   per layer and cached on it.
/// - Filter gradient: `WeightGradientKernel` on each chunk (`ConvolutionFilterGradient`), the
///   output-gradient rows packed into 16-wide panels per chunk.
public enum SIMDConvolutionBackward {
    static let transposedPackingKey = "simd.BT.kc\(SIMDGEMM.blockDepth).nr\(GEMMKernel.columns)"

    public static func input(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        precondition(layer.groups == 1, "SIMDConvolutionBackward handles ungrouped convolutions")
        let packed = packedTransposedKernel(layer)
        let k = layer.kernelHeight * layer.kernelWidth * layer.inputChannels, cout = layer.outputChannels
        if layer.isPointwise && layer.stride == 1 {
            let g = layer.geometry(inputShape: inputShape)
            g.checkGradientOutput(gradOutput)
            return Tensor(shape: inputShape, initializingWith: { out in
                guard g.outputPixels > 0 else { return }
                gradOutput.data.withUnsafeBufferPointer { dy in
                    SIMDGEMM.multiply(m: g.outputPixels, source: .matrix(dy.baseAddress!, lda: cout), packed: packed,
                                      c: out.baseAddress!, ldc: k, epilogue: GEMMEpilogue(), threads: threads)
                }
            })
        }
        return ConvolutionInputGradient.run(gradOutput, layer, inputShape: inputShape, threads: threads) { dy, rows, columns in
            SIMDGEMM.multiply(m: rows, source: .matrix(dy, lda: cout), packed: packed, c: columns, ldc: k,
                              epilogue: GEMMEpilogue(), threads: 1)
        }
    }

    public static func filter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer,
                              threads: Int) -> ConvolutionGradients {
        let cout = layer.outputChannels
        let panelColumns = (cout + WeightGradientKernel.columns - 1) / WeightGradientKernel.columns * WeightGradientKernel.columns
        return ConvolutionFilterGradient.run(input, gradOutput, layer, threads: threads,
                                             productScratch: { rows in rows * panelColumns }) { a, lda, rows, kRange, dy, partial, scratch in
            WeightGradientKernel.packPanels(dy, ldb: cout, rows: rows, n: cout, into: scratch!)
            WeightGradientKernel.accumulate(a: a + kRange.lowerBound, lda: lda, k: kRange.count, rows: rows,
                                            panels: scratch!, n: cout, c: partial + kRange.lowerBound * cout, ldc: cout)
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

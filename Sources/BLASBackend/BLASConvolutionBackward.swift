import MirrorCore
import SIMDBackend

/// Ungrouped convolution gradients with single-threaded `cblas_sgemm` in each worker (OpenBLAS's
/// own threads stay unused, for the reason given in `BLASConvolution`), on the frames shared
/// with the SIMD engine.
///
/// - Input gradient of strided layers: `sgemm(dy, Wᵀ)` per chunk into the worker's column
///   buffer, then col2im (`ConvolutionInputGradient`). (Stride-1 layers run the engine's forward
///   convolution of `TransposedConvolution`.)
/// - Filter gradient: `sgemm(chunkᵀ, dy)` with `beta = 1` into the slab's partial
///   (`ConvolutionFilterGradient`); OpenBLAS transposes the pixel-major chunk while packing.
enum BLASConvolutionBackward {
    static func input(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        let k = layer.kernelHeight * layer.kernelWidth * layer.inputChannels, cout = layer.outputChannels
        return layer.kernel.data.withUnsafeBufferPointer { wBuffer in
            let w = wBuffer.baseAddress!
            return OpenBLAS.singleThreaded(restoring: threads) {
                // columns[rows × K] = dy[rows × cout] · Wᵀ, W read as [K × cout].
                ConvolutionInputGradient.run(gradOutput, layer, inputShape: inputShape, threads: threads) { dy, rows, columns in
                    OpenBLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: k, k: cout, alpha: 1, a: dy, lda: cout,
                                   b: w, ldb: cout, beta: 0, c: columns, ldc: k)
                }
            }
        }
    }

    static func filter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer, threads: Int) -> ConvolutionGradients {
        let cout = layer.outputChannels
        return OpenBLAS.singleThreaded(restoring: threads) {
            ConvolutionFilterGradient.run(input, gradOutput, layer, threads: threads, productScratch: { _ in 0 }) {
                a, lda, rows, kRange, dy, partial, _ in
                OpenBLAS.sgemm(transposeA: true, transposeB: false, m: kRange.count, n: cout, k: rows, alpha: 1,
                               a: a + kRange.lowerBound, lda: lda, b: dy, ldb: cout, beta: 1,
                               c: partial + kRange.lowerBound * cout, ldc: cout)
            }
        }
    }
}

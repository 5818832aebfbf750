import MirrorCore
import SIMDBackend

/// Ungrouped convolution gradients with single-threaded `cblas_sgemm` in each worker (OpenBLAS's
/// own threads stay unused, for the reason given in `BLASConvolution`), on the frames shared
/// with the SIMD engine.
///
/// - Input gradient: `sgemm(dy, Wᵀ)` per chunk — for 1×1 stride-1 layers straight into
///   `∂L/∂x` by row tiles of at most `clamp(2¹⁸/cin, 64, 1024)` rows, two or more per worker;
///   otherwise into the worker's column buffer, then col2im (`ConvolutionInputGradient`).
/// - Filter gradient: `sgemm(chunkᵀ, dy)` with `beta = 1` into the slab's partial
///   (`ConvolutionFilterGradient`); OpenBLAS transposes the pixel-major chunk while packing.
enum BLASConvolutionBackward {
    static func input(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Tensor {
        let k = layer.kernelHeight * layer.kernelWidth * layer.inputChannels, cout = layer.outputChannels
        return layer.kernel.data.withUnsafeBufferPointer { wBuffer in
            let w = wBuffer.baseAddress!
            /// `c[rows × K] = dy[rows × cout] · Wᵀ` with W read as `[K × cout]`.
            func product(_ dy: UnsafePointer<Float>, _ rows: Int, _ c: UnsafeMutablePointer<Float>) {
                OpenBLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: k, k: cout, alpha: 1, a: dy, lda: cout,
                               b: w, ldb: cout, beta: 0, c: c, ldc: k)
            }
            return OpenBLAS.singleThreaded(restoring: threads) {
                guard layer.isPointwise && layer.stride == 1 else {
                    return ConvolutionInputGradient.run(gradOutput, layer, inputShape: inputShape, threads: threads,
                                                        product: product)
                }
                let g = layer.geometry(inputShape: inputShape)
                g.checkGradientOutput(gradOutput)
                let m = g.outputPixels
                let share = ((m + 2 * threads - 1) / (2 * threads) + 15) / 16 * 16
                let tileRows = max(64, min(1024, BLASConvolution.tileBudget / k, share))
                return Tensor(shape: inputShape, initializingWith: { out in
                    guard m > 0 else { return }
                    gradOutput.data.withUnsafeBufferPointer { dy in
                        Parallel.forEach(count: (m + tileRows - 1) / tileRows, threads: threads) { tile in
                            let first = tile * tileRows
                            product(dy.baseAddress! + first * cout, min(tileRows, m - first), out.baseAddress! + first * k)
                        }
                    }
                })
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

import MirrorCore

/// The Winograd F(2×2, 3×3) loop both engines run, each with its own GEMM for the 16 products
/// (`WinogradConvolution`: the SIMD micro-kernel; `BLASWinograd`: `cblas_sgemm`).
///
/// Output tiles (2×2 pixels, NHWC order) are cut into chunks of `chunk` tiles. Normally each
/// worker takes whole chunks: it transforms a chunk's input tiles into 16 `[tiles × cin]`
/// matrices in its scratch, runs the 16 products into 16 `[tiles × cout]` matrices, and
/// transforms those back to pixels with bias, residual and activation. When one chunk holds
/// every tile (deep layers at small sizes, where chunks cannot be shared out) the workers split
/// the chunk's 16 products instead.
public enum WinogradDriver {
    /// Product ξ of a chunk: `c[count × cout] = a[count × cin] · U_ξ`, on the calling thread.
    public typealias Product = (_ xi: Int, _ a: UnsafePointer<Float>, _ count: Int, _ c: UnsafeMutablePointer<Float>) -> Void

    public static func run(_ input: Tensor, _ layer: ConvolutionLayer, residual: Tensor?, threads: Int, chunk: Int,
                           product: Product) -> Tensor {
        precondition(WinogradTransforms.applies(to: layer), "not a Winograd F(2,3) convolution")
        precondition(chunk > 0, "chunks need a tile")
        let g = layer.geometry(inputShape: input.shape)
        g.checkResidual(residual)
        let tiling = WinogradTiling(g)
        let cin = g.inputChannels, cout = g.outputChannels
        let chunk = min(chunk, max(1, tiling.tiles))
        let chunks = (tiling.tiles + chunk - 1) / chunk
        return Tensor(shape: g.outputShape, initializingWith: { out in
            guard tiling.tiles > 0 else { return }
            input.data.withUnsafeBufferPointer { xBuffer in
                withOptionalPointer(layer.bias) { bias in
                    withOptionalPointer(residual?.data) { residual in
                        let x = xBuffer.baseAddress!, y = out.baseAddress!
                        func work(_ item: Int, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, shareProducts: Bool) {
                            let first = item * chunk, count = min(chunk, tiling.tiles - first)
                            WinogradTransforms.transformInputTiles(tiling, input: x, first: first, count: count,
                                                                   planeTiles: count, into: v)
                            func one(_ xi: Int) { product(xi, v + xi * count * cin, count, m + xi * count * cout) }
                            if shareProducts {
                                Parallel.forEach(count: 16, threads: threads) { one($0) }
                            } else {
                                for xi in 0..<16 { one(xi) }
                            }
                            WinogradTransforms.transformOutputTiles(tiling, products: m, first: first, count: count,
                                                                    planeTiles: count, bias: bias, residual: residual,
                                                                    activation: layer.activation, into: y)
                        }
                        let makeScratch = { (AlignedBuffer(count: 16 * chunk * cin), AlignedBuffer(count: 16 * chunk * cout)) }
                        if chunks == 1 {
                            let scratch = makeScratch()
                            work(0, v: scratch.0.pointer, m: scratch.1.pointer, shareProducts: threads > 1)
                        } else {
                            Parallel.forEach(count: chunks, threads: threads, makeState: makeScratch) { scratch, item in
                                work(item, v: scratch.0.pointer, m: scratch.1.pointer, shareProducts: false)
                            }
                        }
                    }
                }
            }
        })
    }
}

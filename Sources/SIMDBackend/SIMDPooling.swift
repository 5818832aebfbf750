import MirrorCore

/// Max and average pooling vectorised over channels (NHWC), output rows split over threads.
///
/// Cells are visited in row-major window order, in-bounds only, exactly as the reference does:
/// max-pool starts from −∞ and replaces on `v > best` (bit-identical results, NaN included);
/// average pooling sums in Float and divides by the count of in-bounds cells.
enum SIMDPooling {
    typealias Vector = SIMD16<Float>

    static func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding, threads: Int) -> Tensor {
        pool(input, window: window, stride: stride, padding: padding, threads: threads, reducer: MaxReducer.self)
    }

    static func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding, threads: Int) -> Tensor {
        pool(input, window: window, stride: stride, padding: padding, threads: threads, reducer: MeanReducer.self)
    }

    private static func pool<R: PoolReducer>(_ input: Tensor, window: Int, stride: Int, padding: Padding,
                                             threads: Int, reducer: R.Type) -> Tensor {
        precondition(input.rank == 4, "pooling takes NHWC, got \(input.shape)")
        let (batch, height, width, channels) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let geometry = padding.resolve(inputHeight: height, inputWidth: width, kernelHeight: window,
                                       kernelWidth: window, stride: stride)
        let (outHeight, outWidth) = (geometry.height.output, geometry.width.output)
        return Tensor(shape: [batch, outHeight, outWidth, channels], initializingWith: { out in
            input.data.withUnsafeBufferPointer { xBuffer in
                let x = xBuffer.baseAddress!, y = out.baseAddress!
                Parallel.forEach(count: batch * outHeight, threads: threads) { row in
                    let n = row / outHeight, oy = row % outHeight
                    let iy0 = oy * stride - geometry.height.padBefore
                    let ky0 = max(0, -iy0), ky1 = min(window, height - iy0)
                    for ox in 0..<outWidth {
                        let ix0 = ox * stride - geometry.width.padBefore
                        let kx0 = max(0, -ix0), kx1 = min(window, width - ix0)
                        let cells = max(0, ky1 - ky0) * max(0, kx1 - kx0)
                        precondition(cells > 0, "a pooling window lies entirely in the padding")
                        let image = x + n * height * width * channels
                        let target = y + (row * outWidth + ox) * channels
                        var c = 0
                        while c + 16 <= channels {
                            var accumulator = R.initialVector
                            for ky in ky0..<ky1 {
                                for kx in kx0..<kx1 {
                                    let cell = UnsafeRawPointer(image + ((iy0 + ky) * width + ix0 + kx) * channels + c)
                                    accumulator = R.combine(accumulator, cell.loadUnaligned(as: Vector.self))
                                }
                            }
                            UnsafeMutableRawPointer(target + c).storeBytes(of: R.finish(accumulator, cells: cells),
                                                                           as: Vector.self)
                            c += 16
                        }
                        while c < channels {
                            var accumulator = R.initialScalar
                            for ky in ky0..<ky1 {
                                for kx in kx0..<kx1 {
                                    accumulator = R.combine(accumulator, image[((iy0 + ky) * width + ix0 + kx) * channels + c])
                                }
                            }
                            target[c] = R.finish(accumulator, cells: cells)
                            c += 1
                        }
                    }
                }
            }
        })
    }
}

/// How a pooling window is reduced, with matching vector and scalar forms.
protocol PoolReducer {
    static var initialVector: SIMD16<Float> { get }
    static var initialScalar: Float { get }
    static func combine(_ accumulator: SIMD16<Float>, _ value: SIMD16<Float>) -> SIMD16<Float>
    static func combine(_ accumulator: Float, _ value: Float) -> Float
    static func finish(_ accumulator: SIMD16<Float>, cells: Int) -> SIMD16<Float>
    static func finish(_ accumulator: Float, cells: Int) -> Float
}

enum MaxReducer: PoolReducer {
    static var initialVector: SIMD16<Float> { SIMD16(repeating: -.infinity) }
    static var initialScalar: Float { -.infinity }
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: v, where: v .> a)
    }
    @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { v > a ? v : a }
    @inline(__always) static func finish(_ a: SIMD16<Float>, cells: Int) -> SIMD16<Float> { a }
    @inline(__always) static func finish(_ a: Float, cells: Int) -> Float { a }
}

enum MeanReducer: PoolReducer {
    static var initialVector: SIMD16<Float> { SIMD16() }
    static var initialScalar: Float { 0 }
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float> { a + v }
    @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { a + v }
    @inline(__always) static func finish(_ a: SIMD16<Float>, cells: Int) -> SIMD16<Float> { a / Float(cells) }
    @inline(__always) static func finish(_ a: Float, cells: Int) -> Float { a / Float(cells) }
}

import MirrorCore

/// Max- and average-pool gradients vectorised over channels, one image per work item: windows
/// of different images never share input cells, so the scatter needs neither locks nor per-thread
/// copies, and each image's cells receive their contributions in output order whatever the
/// thread count. Cells and the tie rule are the reference's (`NaiveKernels.maxPoolBackward`):
/// in-bounds cells in scan order, the first cell the candidate, replaced on `v > best`.
/// Overlapping windows add in Float (the reference adds in Double).
enum SIMDPoolingBackward {
    typealias Vector = SIMD16<Float>
    typealias Index = SIMD16<Int32>

    static func maxPool(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding,
                        threads: Int) -> Tensor {
        let channels = input.shape.last ?? 0, imageFloats = input.count / max(input.shape.first ?? 1, 1)
        return input.data.withUnsafeBufferPointer { xBuffer in
            scatter(gradOutput, inputShape: input.shape, window: window, stride: stride, padding: padding,
                    threads: threads) { n, cells, g, dx in
                let image = xBuffer.baseAddress! + n * imageFloats
                let first = cells[0]
                var c = 0
                while c + 16 <= channels {
                    var best = Vector(repeating: -.infinity)
                    var index = Index(repeating: Int32(first))
                    for cell in cells {
                        let v = UnsafeRawPointer(image + cell + c).loadUnaligned(as: Vector.self)
                        let wins = v .> best
                        best.replace(with: v, where: wins)
                        index.replace(with: Int32(cell), where: wins)
                    }
                    for lane in 0..<16 { dx[Int(index[lane]) + c + lane] += g[c + lane] }
                    c += 16
                }
                while c < channels {
                    var best = -Float.infinity, index = first
                    for cell in cells where image[cell + c] > best {
                        best = image[cell + c]
                        index = cell
                    }
                    dx[index + c] += g[c]
                    c += 1
                }
            }
        }
    }

    static func avgPool(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int, padding: Padding,
                        threads: Int) -> Tensor {
        let channels = inputShape.last ?? 0
        return scatter(gradOutput, inputShape: inputShape, window: window, stride: stride, padding: padding,
                       threads: threads) { _, cells, g, dx in
            let divisor = Float(cells.count)
            var c = 0
            while c + 16 <= channels {
                let share = UnsafeRawPointer(g + c).loadUnaligned(as: Vector.self) / divisor
                for cell in cells {
                    let target = UnsafeMutableRawPointer(dx + cell + c)
                    target.storeBytes(of: target.loadUnaligned(as: Vector.self) + share, as: Vector.self)
                }
                c += 16
            }
            while c < channels {
                let share = g[c] / divisor
                for cell in cells { dx[cell + c] += share }
                c += 1
            }
        }
    }

    /// The shared walk: zeroes each image's gradient, then calls `body(n, cells, g, dx)` for every
    /// output pixel of image `n` with the float offsets (pixel × C) of its window's in-bounds
    /// cells in scan order, the pixel's output gradient `g` and the image's input gradient `dx`.
    private static func scatter(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int, padding: Padding,
                                threads: Int,
                                body: (Int, [Int], UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        precondition(inputShape.count == 4, "pooling takes NHWC, got \(inputShape)")
        let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let geometry = padding.resolve(inputHeight: height, inputWidth: width, kernelHeight: window,
                                       kernelWidth: window, stride: stride)
        let (outHeight, outWidth) = (geometry.height.output, geometry.width.output)
        precondition(gradOutput.shape == [batch, outHeight, outWidth, channels],
                     "output gradient shape \(gradOutput.shape) differs from the pooling output [\(batch), \(outHeight), \(outWidth), \(channels)]")
        let imageFloats = height * width * channels
        return Tensor(shape: inputShape, initializingWith: { out in
            guard let dxAll = out.baseAddress else { return }
            gradOutput.data.withUnsafeBufferPointer { dyBuffer in
                Parallel.forEach(count: batch, threads: threads) { n in
                    let dx = dxAll + n * imageFloats
                    dx.update(repeating: 0, count: imageFloats)
                    var cells: [Int] = []
                    cells.reserveCapacity(window * window)
                    for oy in 0..<outHeight {
                        let iy0 = oy * stride - geometry.height.padBefore
                        for ox in 0..<outWidth {
                            let ix0 = ox * stride - geometry.width.padBefore
                            cells.removeAll(keepingCapacity: true)
                            let rows = max(0, iy0)..<max(max(0, iy0), min(height, iy0 + window))
                            let columns = max(0, ix0)..<max(max(0, ix0), min(width, ix0 + window))
                            for iy in rows {
                                for ix in columns { cells.append((iy * width + ix) * channels) }
                            }
                            precondition(!cells.isEmpty, "a pooling window lies entirely in the padding")
                            body(n, cells, dyBuffer.baseAddress! + ((n * outHeight + oy) * outWidth + ox) * channels, dx)
                        }
                    }
                }
            }
        })
    }
}

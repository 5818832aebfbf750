import MirrorCore

extension SeedPreprocessing {
    /// TF1's `tf.image.resize_images` default: bilinear, `align_corners=False`, **no half-pixel
    /// centres** (the legacy scaler `in = out · scale`), float32 output (SPEC §1.3).
    ///
    /// Per axis `scale = Float(inSize) / Float(outSize)`; output `i` reads `y = Float(i) · scale`,
    /// `y0 = floor(y)`, `y1 = min(y0 + 1, H − 1)`, `ly = y − Float(y0)` (likewise `x0, x1, lx`), and
    /// `top = TL + (TR − TL)·lx`, `bot = BL + (BR − BL)·lx`, `out = top + (bot − top)·ly` in float32
    /// in exactly that order — TensorFlow's `compute_lerp` — so the result is bit-identical to
    /// `tf.compat.v1.image.resize_bilinear(..., half_pixel_centers=False)`. The row `[0, 10, 20, 30]`
    /// becomes `[0, 13.333334, 26.666668]` at 3 samples; a same-size resize is an exact copy.
    ///
    /// Cost: one horizontal pass per source row that is needed (cached across output rows) plus
    /// one vertical blend per output value; no per-pixel allocation.
    ///
    /// - Returns: `[height, width, 3]` float32, RGB.
    public static func resizeBilinearLegacy(_ image: RGBImage, height: Int, width: Int) -> Tensor {
        resizeBilinearLegacy(image, height: height, width: width, rows: 0 ..< height, columns: 0 ..< width)
    }

    /// The window `rows × columns` of the legacy bilinear resize of `image` to `height × width`,
    /// computed without the rest of the image (bit-identical to resizing fully and slicing).
    static func resizeBilinearLegacy(_ image: RGBImage, height: Int, width: Int,
                                     rows: Range<Int>, columns: Range<Int>) -> Tensor {
        precondition(height > 0 && width > 0, "resize target must be positive, got \(height)×\(width)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height
                     && columns.lowerBound >= 0 && columns.upperBound <= width,
                     "window \(rows)×\(columns) outside the \(height)×\(width) resize")
        let ys = LegacyBilinearAxis(inputSize: image.height, outputSize: height, outputs: rows)
        let xs = LegacyBilinearAxis(inputSize: image.width, outputSize: width, outputs: columns)
        let rowLength = columns.count * 3
        let data = [Float](unsafeUninitializedCapacity: rows.count * rowLength) { output, initialized in
            // Two horizontally interpolated source rows; consecutive output rows share them.
            var upper = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowLength)
            var lower = UnsafeMutableBufferPointer<Float>.allocate(capacity: rowLength)
            defer { upper.deallocate(); lower.deallocate() }
            var upperRow = -1, lowerRow = -1
            image.pixels.withUnsafeBufferPointer { pixels in
                for i in 0 ..< rows.count {
                    let y0 = ys.lower[i], y1 = ys.upper[i], ly = ys.lerp[i]
                    if upperRow != y0 {
                        if lowerRow == y0 {
                            swap(&upper, &lower)
                            swap(&upperRow, &lowerRow)
                        } else {
                            xs.interpolateRow(y0, of: pixels, imageWidth: image.width, into: upper)
                            upperRow = y0
                        }
                    }
                    if y1 != y0 && lowerRow != y1 {
                        xs.interpolateRow(y1, of: pixels, imageWidth: image.width, into: lower)
                        lowerRow = y1
                    }
                    let top = upper, bottom = y1 == y0 ? upper : lower
                    let out = output.baseAddress! + i * rowLength
                    for k in 0 ..< rowLength {
                        out[k] = top[k] + (bottom[k] - top[k]) * ly
                    }
                }
            }
            initialized = rows.count * rowLength
        }
        return Tensor(shape: [rows.count, columns.count, 3], data: data)
    }
}

/// Source indices and weights of the TF1 legacy bilinear scaler along one axis, for a range of
/// output coordinates (SPEC §1.3), computed once per resize instead of once per pixel.
struct LegacyBilinearAxis {
    /// `floor(i · scale)` for each requested output `i`.
    let lower: [Int]
    /// `min(lower + 1, inputSize − 1)`.
    let upper: [Int]
    /// `i · scale − lower` in float32.
    let lerp: [Float]

    init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
        precondition(inputSize > 0 && outputSize > 0, "axis sizes must be positive")
        let scale = Float(inputSize) / Float(outputSize)
        var lower = [Int](), upper = [Int](), lerp = [Float]()
        lower.reserveCapacity(outputs.count)
        upper.reserveCapacity(outputs.count)
        lerp.reserveCapacity(outputs.count)
        for i in outputs {
            let position = Float(i) * scale
            let floorPosition = position.rounded(.down)
            let index = Int(floorPosition)
            lower.append(index)
            upper.append(Swift.min(index + 1, inputSize - 1))
            lerp.append(position - floorPosition)
        }
        self.lower = lower
        self.upper = upper
        self.lerp = lerp
    }

    /// Writes `TL + (TR − TL)·lx` for every requested column and channel of source row `y`.
    func interpolateRow(_ y: Int, of pixels: UnsafeBufferPointer<UInt8>, imageWidth: Int,
                        into row: UnsafeMutableBufferPointer<Float>) {
        let source = pixels.baseAddress! + y * imageWidth * 3
        lower.withUnsafeBufferPointer { lower in
            upper.withUnsafeBufferPointer { upper in
                lerp.withUnsafeBufferPointer { lerp in
                    for j in 0 ..< lower.count {
                        let left = source + lower[j] * 3, right = source + upper[j] * 3
                        let weight = lerp[j]
                        for c in 0 ..< 3 {
                            let l = Float(left[c])
                            row[j * 3 + c] = l + (Float(right[c]) - l) * weight
                        }
                    }
                }
            }
        }
    }
}

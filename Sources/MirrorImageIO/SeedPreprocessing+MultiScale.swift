import MirrorCore

extension SeedPreprocessing {
    /// Number of input scales the seed's `multi_scale_feature` uses for `img_size` (SPEC §1.5,
    /// `retrieval/model.py`): 896 or 1024 → 3, 448 → 2, 224 → 1; any other size raises
    /// `NotImplementedError` in the seed, so this returns `nil` (validate `--img-size` with it).
    public static func multiScaleCount(imageSize: Int) -> Int? {
        switch imageSize {
        case 896, 1024: return 3
        case 448: return 2
        case 224: return 1
        default: return nil
        }
    }

    /// Keeps every `factor`-th row and column: `out[i, j] = x[factor·i, factor·j]` (SPEC §1.5).
    ///
    /// The seed resizes the normalised `S×S` input to `S // factor` with the legacy bilinear
    /// kernel; when `factor` divides the size the scale is exactly `factor`, every lerp weight is
    /// 0 and that resize *is* this decimation, bit for bit — no anti-aliasing, no rounding.
    ///
    /// - Parameters:
    ///   - tensor: `[H, W, C]` or `[N, H, W, C]` float32.
    ///   - factor: ≥ 1 and dividing both `H` and `W` (the only case in which decimation equals the
    ///     seed's resize).
    /// - Returns: `[H/factor, W/factor, C]` (or with the batch axis).
    public static func decimate(_ tensor: Tensor, factor: Int) -> Tensor {
        precondition(tensor.rank == 3 || tensor.rank == 4, "decimate expects HWC or NHWC, got \(tensor.shape)")
        let batch = tensor.rank == 4 ? tensor.shape[0] : 1
        let height = tensor.shape[tensor.rank - 3], width = tensor.shape[tensor.rank - 2]
        let channels = tensor.shape[tensor.rank - 1]
        precondition(factor >= 1 && height % factor == 0 && width % factor == 0,
                     "decimation factor \(factor) must divide \(height)×\(width)")
        if factor == 1 { return tensor }
        let outHeight = height / factor, outWidth = width / factor
        var shape = tensor.shape
        shape[tensor.rank - 3] = outHeight
        shape[tensor.rank - 2] = outWidth
        let data = [Float](unsafeUninitializedCapacity: batch * outHeight * outWidth * channels) { output, initialized in
            tensor.data.withUnsafeBufferPointer { input in
                var o = 0
                for n in 0 ..< batch {
                    for i in 0 ..< outHeight {
                        let row = (n * height + i * factor) * width
                        for j in 0 ..< outWidth {
                            let source = (row + j * factor) * channels
                            for c in 0 ..< channels {
                                output[o] = input[source + c]
                                o += 1
                            }
                        }
                    }
                }
            }
            initialized = batch * outHeight * outWidth * channels
        }
        return Tensor(shape: shape, data: data)
    }

    /// The seed's scale pyramid for `img_size = S`: `[S, S//2, S//4]` for 896/1024, `[S, S//2]` for
    /// 448 and `[S]` for 224 (SPEC §1.5; ``multiScaleCount(imageSize:)``).
    ///
    /// The seed resizes the already normalised input to `S // ((i + 1) · 2)` for
    /// `i in 0 ..< count − 1`, so scale `k ≥ 1` is ``decimate(_:factor:)`` by `2k`; the seed's
    /// feature vector concatenates the scales' regions in this order.
    ///
    /// - Parameters:
    ///   - tensor: The normalised input, `[S, S, C]` or `[N, S, S, C]`.
    ///   - imageSize: `S`, one of 224, 448, 896, 1024.
    public static func multiScaleInputs(_ tensor: Tensor, imageSize: Int) -> [Tensor] {
        guard let count = multiScaleCount(imageSize: imageSize) else {
            preconditionFailure("the seed's multi-scale input supports img_size 224, 448, 896, 1024; got \(imageSize)")
        }
        precondition(tensor.rank >= 3 && tensor.shape[tensor.rank - 3] == imageSize
                     && tensor.shape[tensor.rank - 2] == imageSize,
                     "multi-scale input must be \(imageSize)×\(imageSize), got \(tensor.shape)")
        return [tensor] + (1 ..< count).map { decimate(tensor, factor: 2 * $0) }
    }
}

import MirrorCore

/// The seed's test-time image preprocessing, reproduced bit for bit in float32.
///
/// The seed (`retrieval/model.py` `_testing_data_queue`) runs, for each image and `img_size = S`:
/// 1. `tf.image.decode_jpeg(buf, channels=3)` — done by `ImageDecoder`, giving an `RGBImage`;
/// 2. `center_crop_preserving_aspect(img_size=S, enlarge_first=False, long_or_short='short')` —
///    scale the short side to `S` with float32 arithmetic and `ceil` (``resizedSize(height:width:imageSize:)``,
///    SPEC §1.2), resize with TF1's legacy bilinear kernel (``resizeBilinearLegacy(_:height:width:)``,
///    SPEC §1.3), then take the centred `S×S` window (``centerCrop(_:imageSize:)``);
/// 3. `data_preprocess` — subtract the RGB mean (``normalize(_:_:)`` with `InputNormalization.seed`,
///    SPEC §1.4);
/// 4. with `--multi_scale`, `multi_scale_feature` feeds the network `S/2` and `S/4` versions of the
///    normalised input, which are exact decimations (``multiScaleInputs(_:imageSize:)``, SPEC §1.5).
///
/// Numerical contract: every step uses the seed's float32 operations in the seed's order, so the
/// outputs equal TensorFlow's exactly (checked against TF 2.21's `tf.compat.v1` kernels by
/// `Tests/MirrorImageIOTests/SeedPreprocessingParityTests.swift`; generator in
/// `Fixtures/scripts/make_preprocess_fixtures.py`).
///
/// Layout: images in, HWC float32 tensors `[H, W, 3]` out (RGB); batch them as NHWC.
public enum SeedPreprocessing {
    /// The resized size and crop offsets of the seed's `center_crop_preserving_aspect` (SPEC §1.2).
    ///
    /// In float32: `r = Float(S) / min(h, w)`, `H' = ceil(h·r)`, `W' = ceil(w·r)` (each product
    /// rounded to float32 before the ceil), `top = (H' − S) / 2`, `left = (W' − S) / 2` (floor).
    /// Because `h·r` can round to just above `S`, the short side can come out as **S + 1**: for
    /// `S = 896` (and 448, 224) that happens for 454 short sides in 100…5000, e.g. 102, 104, 105,
    /// 155 and 683; for `S = 1024` it never does. Examples: 768×1024 → 896×1195 (0, 149);
    /// 1024×683 → 1344×897 (224, 0).
    ///
    /// - Parameters:
    ///   - height: Decoded image height `H` (> 0).
    ///   - width: Decoded image width `W` (> 0).
    ///   - imageSize: The seed's `img_size` `S` (> 0).
    /// - Returns: The resize target `H' × W'` (both ≥ `S`) and the crop's top-left corner.
    public static func resizedSize(height: Int, width: Int, imageSize: Int)
        -> (height: Int, width: Int, top: Int, left: Int) {
        precondition(height > 0 && width > 0 && imageSize > 0,
                     "resizedSize needs positive sizes, got \(height)×\(width) → \(imageSize)")
        let h = Float(height), w = Float(width)
        let ratio = Float(imageSize) / min(h, w)
        let resizedHeight = Int((h * ratio).rounded(.up))
        let resizedWidth = Int((w * ratio).rounded(.up))
        return (resizedHeight, resizedWidth, (resizedHeight - imageSize) / 2, (resizedWidth - imageSize) / 2)
    }

    /// The seed's `center_crop_preserving_aspect(img_size: S)`: resize so the short side is `S`
    /// (or `S + 1`), then cut the centred `S×S` window. Not normalised — apply ``normalize(_:_:)``.
    ///
    /// Only the rows and columns inside the window are interpolated, with the same per-element
    /// formula as ``resizeBilinearLegacy(_:height:width:)``, so the result is bit-identical to
    /// resizing the whole image and slicing (the seed's `tf.slice`) at a fraction of the cost.
    ///
    /// - Returns: `[S, S, 3]` float32 in `[0, 255]`, RGB.
    public static func centerCrop(_ image: RGBImage, imageSize: Int) -> Tensor {
        let target = resizedSize(height: image.height, width: image.width, imageSize: imageSize)
        return resizeBilinearLegacy(image, height: target.height, width: target.width,
                                    rows: target.top ..< target.top + imageSize,
                                    columns: target.left ..< target.left + imageSize)
    }

    /// Applies `normalization` in place: `x = (x − mean[c]) / std[c]` for the channel `c` of each
    /// value (the last axis). With `.seed` this is the seed's `tf.subtract(img, spec.mean)`, bit
    /// for bit (SPEC §1.4). The input is RGB; a `.bgr` normalisation first reverses each pixel's
    /// channels, and its mean/std are given in B, G, R order.
    ///
    /// - Precondition: `tensor.shape.last == normalization.channels`.
    public static func normalize(_ tensor: inout Tensor, _ normalization: InputNormalization) {
        let channels = normalization.channels
        precondition(tensor.shape.last == channels,
                     "normalisation has \(channels) channels, tensor shape is \(tensor.shape)")
        let mean = normalization.mean, std = normalization.std
        tensor.data.withUnsafeMutableBufferPointer { values in
            mean.withUnsafeBufferPointer { mean in
                std.withUnsafeBufferPointer { std in
                    var base = 0
                    let reverse = normalization.channelOrder == .bgr
                    while base < values.count {
                        if reverse { values.swapAt(base, base + channels - 1) }
                        for c in 0 ..< channels {
                            values[base + c] = (values[base + c] - mean[c]) / std[c]
                        }
                        base += channels
                    }
                }
            }
        }
    }
}

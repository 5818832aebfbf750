import MirrorCore

/// The seed's training-time photometric and flip augmentation (SPEC §8.3), in its order:
/// `random_contrast` → `random_saturation` → `random_hue` → `random_brightness` →
/// `random_flip_left_right`, then (elsewhere) float32 and the mean subtraction.
///
/// **Value range, verified in the seed.** `_training_data_queue._parse_img` decodes with
/// `tf.image.decode_image(data, channels=3)`, which yields **uint8**, and passes it straight to
/// `data_preprocess`; the cast to float32 comes only after `add_randomness`. TF1's `adjust_*`
/// wrappers (`image_ops_impl.py`) therefore run every op as: uint8 → float32 `x · (1/255)` →
/// kernel on [0, 1] → back to uint8 by `y · 255.5` truncated toward zero, clamped to [0, 255] first
/// (`saturate=True`) for contrast and brightness. So the brightness offset δ ∈ [−0.2, 0.2) is on
/// the [0, 1] scale (about ±51 levels), and **every op's output is re-quantised and clipped**
/// before the next one; a brightened-then-clipped pixel stays clipped. The hue and saturation
/// kernels stay inside [0, 1] by construction, so their (non-saturating) cast equals the clamped
/// one used here.
///
/// **Kernels** (TF's CPU kernels, reproduced in float32 in their arithmetic order):
/// - contrast (`AdjustContrastv2`): per-channel mean over the image, summed by TF's halving fold
///   and scaled by `1/(H·W)`, then `mean + f·(x − mean)`;
/// - saturation (`AdjustSaturation`): TF's `rgb_to_hsv`, `s ← clamp(s·f, 0, 1)`, `hsv_to_rgb`;
/// - hue (`AdjustHue`): TF's `rgb_to_hv_range`, `h ← h + 6δ` wrapped into [0, 6),
///   `hv_range_to_rgb`;
/// - brightness: `x + δ`.
/// TF's random streams cannot be reproduced; `AugmentationDraw` matches the distributions.
///
/// Input values in [0, 255]. GL3D's 224×224 images reach this as whole numbers, exactly the
/// seed's uint8 pixels; an image that was resized first (pairs format, other sizes) enters the
/// first op with fractional values, and every op's output is again on the uint8 grid.
public enum TrainingAugmentation {
    /// Applies `draw` in place to an `[H, W, 3]` RGB image with values in [0, 255].
    ///
    /// Cost: a few dozen float operations per pixel (two HSV round trips dominate) and one
    /// image-sized scratch buffer for the contrast mean.
    public static func apply(_ draw: AugmentationDraw, to image: inout Tensor) {
        precondition(image.rank == 3 && image.shape[2] == 3, "augmentation needs an [H, W, 3] image, got \(image.shape)")
        let width = image.shape[1]
        image.data.withUnsafeMutableBufferPointer { values in
            adjustContrast(values, factor: draw.contrast)
            adjustSaturation(values, factor: draw.saturation)
            adjustHue(values, delta: draw.hue)
            adjustBrightness(values, delta: draw.brightness)
            if draw.flip { flipLeftRight(values, width: width) }
        }
    }

    /// TF's uint8 → float conversion: `x · Float(1/255)` (`convert_image_dtype`).
    static let toUnit = Float(1.0 / 255.0)

    /// TF's float → uint8 conversion: `y · 255.5`, clamped to [0, 255], truncated.
    @inline(__always)
    static func quantize(_ value: Float) -> Float {
        min(max(value * 255.5, 0), 255).rounded(.towardZero)
    }

    /// Mirrors each row: column `j` ↔ `width − 1 − j`.
    static func flipLeftRight(_ values: UnsafeMutableBufferPointer<Float>, width: Int) {
        let rowLength = width * 3
        for row in stride(from: 0, to: values.count, by: rowLength) {
            var left = row, right = row + rowLength - 3
            while left < right {
                for c in 0 ..< 3 { values.swapAt(left + c, right + c) }
                left += 3
                right -= 3
            }
        }
    }

    static func adjustBrightness(_ values: UnsafeMutableBufferPointer<Float>, delta: Float) {
        for i in values.indices { values[i] = quantize(values[i] * toUnit + delta) }
    }

    static func adjustContrast(_ values: UnsafeMutableBufferPointer<Float>, factor: Float) {
        let mean = channelMeans(values)
        for i in values.indices {
            let m = mean[i % 3]
            values[i] = quantize(m + factor * (values[i] * toUnit - m))
        }
    }

    /// The per-channel means of the [0, 1] image as TF's `AdjustContrastOpv2::ReduceMeanAcrossImage`
    /// computes them: halve the pixel range repeatedly, adding the right half onto the left
    /// (a middle pixel of an odd count stays), until one pixel holds the sums; then `sum · (1/n)`.
    static func channelMeans(_ values: UnsafeMutableBufferPointer<Float>) -> [Float] {
        let pixels = values.count / 3
        var sums = [Float](repeating: 0, count: max(pixels, 1) * 3)
        var remaining = pixels, round = 0
        repeat {
            let right = remaining / 2, left = remaining - right
            if round == 0 {
                for k in 0 ..< right * 3 { sums[k] = values[left * 3 + k] * toUnit + values[k] * toUnit }
                if left > right {
                    for c in 0 ..< 3 { sums[right * 3 + c] = values[right * 3 + c] * toUnit }
                }
            } else {
                for k in 0 ..< right * 3 { sums[k] += sums[left * 3 + k] }
            }
            remaining = left
            round += 1
        } while remaining > 1
        let scale = 1 / Float(pixels)
        return [sums[0] * scale, sums[1] * scale, sums[2] * scale]
    }

    static func adjustSaturation(_ values: UnsafeMutableBufferPointer<Float>, factor: Float) {
        for p in stride(from: 0, to: values.count, by: 3) {
            let (h, s, v) = TFColor.rgbToHSV(values[p] * toUnit, values[p + 1] * toUnit, values[p + 2] * toUnit)
            let (r, g, b) = TFColor.hsvToRGB(h, min(1, max(0, s * factor)), v)
            values[p] = quantize(r)
            values[p + 1] = quantize(g)
            values[p + 2] = quantize(b)
        }
    }

    static func adjustHue(_ values: UnsafeMutableBufferPointer<Float>, delta: Float) {
        for p in stride(from: 0, to: values.count, by: 3) {
            var (h, low, high) = TFColor.rgbToHueRange(values[p] * toUnit, values[p + 1] * toUnit, values[p + 2] * toUnit)
            h += delta * 6
            while h < 0 { h += 6 }
            while h >= 6 { h -= 6 }
            let (r, g, b) = TFColor.hueRangeToRGB(h, low, high)
            values[p] = quantize(r)
            values[p + 1] = quantize(g)
            values[p + 2] = quantize(b)
        }
    }
}

/// The RGB↔HSV conversions inside TensorFlow's `AdjustSaturation` and `AdjustHue` CPU kernels,
/// in float32 with their branch structure and constants, so the augmentation reproduces the
/// seed's colour changes (SPEC §8.3) rather than a textbook HSV's slightly different rounding.
/// Inputs are in [0, 1].
enum TFColor {
    /// `adjust_saturation_op.cc` `rgb_to_hsv`: hue in [0, 1), saturation `range / max`, value `max`.
    /// The hue offsets `2/6` and `4/6` are double constants in TF, so that sum is formed in double
    /// and rounded once to float.
    @inline(__always)
    static func rgbToHSV(_ r: Float, _ g: Float, _ b: Float) -> (h: Float, s: Float, v: Float) {
        let v = max(r, max(g, b))
        let range = v - min(r, min(g, b))
        let s: Float = v > 0 ? range / v : 0
        guard range > 0 else { return (0, s, v) }
        let norm = 1 / (6 * range)
        var h: Float
        if r == v {
            h = norm * (g - b)
        } else if g == v {
            h = Float(Double(norm * (b - r)) + 2.0 / 6.0)
        } else {
            h = Float(Double(norm * (r - g)) + 4.0 / 6.0)
        }
        if h < 0 { h += 1 }
        return (h, s, v)
    }

    /// `adjust_saturation_op.cc` `hsv_to_rgb`: chroma `c = s·v`, `m = v − c`, sector `⌊6h⌋`.
    @inline(__always)
    static func hsvToRGB(_ h: Float, _ s: Float, _ v: Float) -> (r: Float, g: Float, b: Float) {
        let c = s * v
        let m = v - c
        let dh = h * 6
        var fmodu = dh
        while fmodu <= 0 { fmodu += 2 }
        while fmodu >= 2 { fmodu -= 2 }
        let x = c * (1 - abs(fmodu - 1))
        let (rr, gg, bb): (Float, Float, Float)
        switch Int(dh) {
        case 0: (rr, gg, bb) = (c, x, 0)
        case 1: (rr, gg, bb) = (x, c, 0)
        case 2: (rr, gg, bb) = (0, c, x)
        case 3: (rr, gg, bb) = (0, x, c)
        case 4: (rr, gg, bb) = (x, 0, c)
        case 5: (rr, gg, bb) = (c, 0, x)
        default: (rr, gg, bb) = (0, 0, 0)
        }
        return (rr + m, gg + m, bb + m)
    }

    /// `adjust_hue_op.cc` `rgb_to_hv_range`: hue in [0, 6) from the sorted components, plus the
    /// smallest and largest component (which the hue rotation keeps).
    @inline(__always)
    static func rgbToHueRange(_ r: Float, _ g: Float, _ b: Float) -> (h: Float, low: Float, high: Float) {
        let high: Float, middle: Float, low: Float, sector: Int
        if r < g {
            if b < r {
                (high, middle, low, sector) = (g, r, b, 1)
            } else if b > g {
                (high, middle, low, sector) = (b, g, r, 3)
            } else {
                (high, middle, low, sector) = (g, b, r, 2)
            }
        } else {
            if b < g {
                (high, middle, low, sector) = (r, g, b, 0)
            } else if b > r {
                (high, middle, low, sector) = (b, r, g, 4)
            } else {
                (high, middle, low, sector) = (r, b, g, 5)
            }
        }
        guard high != low else { return (0, low, high) }
        let ratio = (middle - low) / (high - low)
        return (Float(sector) + (sector & 1 == 0 ? ratio : 1 - ratio), low, high)
    }

    /// `adjust_hue_op.cc` `hv_range_to_rgb`: the inverse of ``rgbToHueRange(_:_:_:)`` for `h` in [0, 6).
    @inline(__always)
    static func hueRangeToRGB(_ h: Float, _ low: Float, _ high: Float) -> (r: Float, g: Float, b: Float) {
        let sector = Int(h)
        var ratio = h - Float(sector)
        if sector & 1 != 0 { ratio = 1 - ratio }
        let middle = low + ratio * (high - low)
        switch sector {
        case 0: return (high, middle, low)
        case 1: return (middle, high, low)
        case 2: return (low, high, middle)
        case 3: return (low, middle, high)
        case 4: return (middle, low, high)
        default: return (high, low, middle)
        }
    }
}

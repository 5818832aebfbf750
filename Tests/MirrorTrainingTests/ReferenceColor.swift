import Foundation

/// Straightforward float64 versions of the seed's augmentation ops (SPEC §8.3) on [0, 255]
/// values, written from the textbook definitions (HSV as in Python's `colorsys`), to check
/// mirror's float32 TF-kernel reproductions against. Each op ends with TF's uint8 conversion:
/// `y · 255.5`, clamped to [0, 255], truncated.
enum ReferenceColor {
    static func quantize(_ y: Double) -> Double { min(max(y * 255.5, 0), 255).rounded(.towardZero) }

    static func rgbToHSV(_ r: Double, _ g: Double, _ b: Double) -> (Double, Double, Double) {
        let high = max(r, g, b), low = min(r, g, b)
        guard high > low else { return (0, 0, high) }
        let s = (high - low) / high
        let rc = (high - r) / (high - low), gc = (high - g) / (high - low), bc = (high - b) / (high - low)
        var h: Double
        if r == high { h = bc - gc } else if g == high { h = 2 + rc - bc } else { h = 4 + gc - rc }
        h = (h / 6).truncatingRemainder(dividingBy: 1)
        if h < 0 { h += 1 }
        return (h, s, high)
    }

    static func hsvToRGB(_ h: Double, _ s: Double, _ v: Double) -> (Double, Double, Double) {
        let sector = Int((h * 6).rounded(.down)) % 6
        let f = h * 6 - (h * 6).rounded(.down)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        switch sector {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }

    static func perPixel(_ image: [Double], _ body: (Double, Double, Double) -> (Double, Double, Double)) -> [Double] {
        var out = image
        for p in stride(from: 0, to: image.count, by: 3) {
            let (r, g, b) = body(image[p] / 255, image[p + 1] / 255, image[p + 2] / 255)
            (out[p], out[p + 1], out[p + 2]) = (quantize(r), quantize(g), quantize(b))
        }
        return out
    }

    static func saturation(_ image: [Double], factor: Double) -> [Double] {
        perPixel(image) { r, g, b in
            let (h, s, v) = rgbToHSV(r, g, b)
            return hsvToRGB(h, min(1, s * factor), v)
        }
    }

    static func hue(_ image: [Double], delta: Double) -> [Double] {
        perPixel(image) { r, g, b in
            let (h, s, v) = rgbToHSV(r, g, b)
            var shifted = (h + delta).truncatingRemainder(dividingBy: 1)
            if shifted < 0 { shifted += 1 }
            return hsvToRGB(shifted, s, v)
        }
    }

    static func contrast(_ image: [Double], factor: Double) -> [Double] {
        let pixels = Double(image.count / 3)
        var means = [0.0, 0.0, 0.0]
        for (i, x) in image.enumerated() { means[i % 3] += x / 255 / pixels }
        return image.enumerated().map { i, x in quantize((x / 255 - means[i % 3]) * factor + means[i % 3]) }
    }

    static func brightness(_ image: [Double], delta: Double) -> [Double] {
        image.map { quantize($0 / 255 + delta) }
    }

    static func flip(_ image: [Double], width: Int) -> [Double] {
        var out = image
        let height = image.count / (width * 3)
        for y in 0 ..< height {
            for x in 0 ..< width {
                for c in 0 ..< 3 { out[(y * width + x) * 3 + c] = image[(y * width + width - 1 - x) * 3 + c] }
            }
        }
        return out
    }
}

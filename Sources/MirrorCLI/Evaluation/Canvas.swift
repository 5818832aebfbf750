import MirrorImageIO

/// An RGB drawing surface with the few primitives mirror's pictures need: pixels, filled
/// rectangles, lines, bitmap-font text and pasted images. Shared by `CurvePlot` and
/// `ContactSheet`; `image` is what `PNGEncoder` writes.
struct Canvas {
    typealias Color = (r: UInt8, g: UInt8, b: UInt8)

    let width: Int, height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: UInt8 = 255) {
        (self.width, self.height) = (width, height)
        pixels = [UInt8](repeating: background, count: width * height * 3)
    }

    var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    mutating func put(_ px: Int, _ py: Int, _ color: Color) {
        guard (0..<width).contains(px), (0..<height).contains(py) else { return }
        let offset = (py * width + px) * 3
        pixels[offset] = color.r
        pixels[offset + 1] = color.g
        pixels[offset + 2] = color.b
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        guard w > 0, h > 0 else { return }
        for py in y..<(y + h) { for px in x..<(x + w) { put(px, py, color) } }
    }

    /// A rectangle outline `thickness` pixels wide, inside (x, y, w, h).
    mutating func frame(x: Int, y: Int, width w: Int, height h: Int, thickness: Int, color: Color) {
        fill(x: x, y: y, width: w, height: thickness, color: color)
        fill(x: x, y: y + h - thickness, width: w, height: thickness, color: color)
        fill(x: x, y: y, width: thickness, height: h, color: color)
        fill(x: x + w - thickness, y: y, width: thickness, height: h, color: color)
    }

    /// Bresenham's line; `thickness` 2 paints a 2×2 square at each point.
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: Color, thickness: Int = 1) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var (px, py, error) = (x0, y0, dx + dy)
        while true {
            for ox in 0..<thickness { for oy in 0..<thickness { put(px + ox, py + oy, color) } }
            if px == x1 && py == y1 { return }
            let doubled = 2 * error
            if doubled >= dy { error += dy; px += sx }
            if doubled <= dx { error += dx; py += sy }
        }
    }

    /// `text` with its top-left corner at (`atX`, `y`); `vertical` runs bottom to top from (`atX`, `y`).
    mutating func text(_ text: String, atX startX: Int, y startY: Int, color: Color, scale: Int = 1, vertical: Bool = false) {
        for (index, character) in text.enumerated() {
            for gy in 0..<BitmapFont.glyphHeight {
                for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(character, x: gx, y: gy) {
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            let along = (index * BitmapFont.advance + gx) * scale + sx, across = gy * scale + sy
                            if vertical {
                                put(startX + across, startY - along, color)
                            } else {
                                put(startX + along, startY + across, color)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `image` scaled (nearest pixel, area-averaged when shrinking) to fit `box`×`box`, centred
    /// in the box whose top-left corner is (x, y).
    mutating func paste(_ image: RGBImage, x: Int, y: Int, box: Int) {
        let scale = min(Double(box) / Double(image.width), Double(box) / Double(image.height))
        let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
        let (ox, oy) = (x + (box - w) / 2, y + (box - h) / 2)
        for ty in 0..<h {
            let sy0 = ty * image.height / h, sy1 = max(sy0 + 1, (ty + 1) * image.height / h)
            for tx in 0..<w {
                let sx0 = tx * image.width / w, sx1 = max(sx0 + 1, (tx + 1) * image.width / w)
                var sum = (0, 0, 0)
                for sy in sy0..<sy1 {
                    for sx in sx0..<sx1 {
                        let offset = (sy * image.width + sx) * 3
                        sum.0 += Int(image.pixels[offset]); sum.1 += Int(image.pixels[offset + 1]); sum.2 += Int(image.pixels[offset + 2])
                    }
                }
                let n = (sy1 - sy0) * (sx1 - sx0)
                put(ox + tx, oy + ty, (UInt8(sum.0 / n), UInt8(sum.1 / n), UInt8(sum.2 / n)))
            }
        }
    }
}

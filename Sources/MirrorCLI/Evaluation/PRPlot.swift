import MirrorImageIO
import MirrorRetrieval

/// Draws precision–recall curves (`PrecisionRecall` samples) into an RGB image: white background,
/// a grid at 0.1 steps on both axes, labelled ticks, axis titles, a title, one coloured polyline
/// per series and a legend. Pure Swift; `PNGEncoder` writes the result.
struct PRPlot {
    struct Series {
        let label: String
        /// Precision at `PrecisionRecall.recallLevels`.
        let precision: [Double]
    }

    typealias Color = (r: UInt8, g: UInt8, b: UInt8)
    static let palette: [Color] = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14)]

    let width: Int, height: Int
    private var pixels: [UInt8]
    // The plot area in pixels: recall 0…1 maps to left…right, precision 0…1 to bottom…top.
    private let left = 72, top = 44
    private var right: Int { width - 24 }
    private var bottom: Int { height - 56 }

    /// The finished plot.
    static func render(title: String, series: [Series], width: Int = 640, height: Int = 480) -> RGBImage {
        var plot = PRPlot(width: width, height: height)
        plot.drawFrame(title: title)
        for (index, item) in series.enumerated() { plot.drawCurve(item.precision, color: palette[index % palette.count]) }
        plot.drawLegend(series)
        return RGBImage(width: width, height: height, pixels: plot.pixels)
    }

    private init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    private func x(_ recall: Double) -> Int { left + Int((recall * Double(right - left)).rounded()) }
    private func y(_ precision: Double) -> Int { bottom - Int((precision * Double(bottom - top)).rounded()) }

    private mutating func drawFrame(title: String) {
        let grid: Color = (222, 222, 222), ink: Color = (0, 0, 0)
        for step in 0...10 {
            let value = Double(step) / 10
            line(x(value), top, x(value), bottom, color: grid)
            line(left, y(value), right, y(value), color: grid)
            let label = step == 10 ? "1.0" : "0.\(step)"
            text(label, atX: x(value) - BitmapFont.width(of: label) / 2, y: bottom + 8, color: ink)
            text(label, atX: left - 8 - BitmapFont.width(of: label), y: y(value) - 3, color: ink)
        }
        line(left, top, left, bottom, color: ink)
        line(left, bottom, right, bottom, color: ink)
        line(right, top, right, bottom, color: ink)
        line(left, top, right, top, color: ink)
        let recall = "recall"
        text(recall, atX: (left + right - BitmapFont.width(of: recall, scale: 2)) / 2, y: bottom + 26, color: ink, scale: 2)
        let precision = "precision"
        text(precision, atX: 14, y: (top + bottom + BitmapFont.width(of: precision, scale: 2)) / 2, color: ink, scale: 2,
             vertical: true)
        text(title, atX: (width - BitmapFont.width(of: title, scale: 2)) / 2, y: 14, color: ink, scale: 2)
    }

    private mutating func drawCurve(_ precision: [Double], color: Color) {
        let levels = PrecisionRecall.recallLevels
        for i in 1..<min(levels.count, precision.count) {
            line(x(levels[i - 1]), y(precision[i - 1]), x(levels[i]), y(precision[i]), color: color, thickness: 2)
        }
    }

    /// Bottom left of the plot area, where PR curves rarely run.
    private mutating func drawLegend(_ series: [Series]) {
        guard !series.isEmpty else { return }
        let boxTop = bottom - 20 - 14 * (series.count - 1)
        let boxRight = left + 42 + (series.map { BitmapFont.width(of: $0.label) }.max() ?? 0)
        for py in boxTop..<(bottom - 4) { for px in (left + 4)..<boxRight { put(px, py, (255, 255, 255)) } }
        for (index, item) in series.enumerated() {
            let rowY = bottom - 14 - 14 * (series.count - 1 - index)
            line(left + 10, rowY + 3, left + 30, rowY + 3, color: Self.palette[index % Self.palette.count], thickness: 2)
            text(item.label, atX: left + 36, y: rowY, color: (0, 0, 0))
        }
    }

    private mutating func put(_ px: Int, _ py: Int, _ color: Color) {
        guard (0..<width).contains(px), (0..<height).contains(py) else { return }
        let offset = (py * width + px) * 3
        pixels[offset] = color.r
        pixels[offset + 1] = color.g
        pixels[offset + 2] = color.b
    }

    /// Bresenham's line; `thickness` 2 paints a 2×2 square at each point.
    private mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: Color, thickness: Int = 1) {
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
    private mutating func text(_ text: String, atX startX: Int, y startY: Int, color: Color, scale: Int = 1,
                               vertical: Bool = false) {
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
}

import MirrorImageIO
import MirrorRetrieval

/// Draws curves into an RGB image: white background, a grid at tenths of each axis, labelled
/// ticks, axis titles, a title, one coloured polyline per series and a legend. Pure Swift;
/// `PNGEncoder` writes the result. Used for precision–recall curves (`mirror eval`, both axes
/// 0…1) and for recall against pairs per image (`mirror eval pairs`).
struct CurvePlot {
    struct Series {
        let label: String
        let points: [(x: Double, y: Double)]

        /// A precision–recall curve: precision at `PrecisionRecall.recallLevels`.
        static func precisionRecall(label: String, precision: [Double]) -> Series {
            Series(label: label, points: Array(zip(PrecisionRecall.recallLevels, precision)).map { (x: $0, y: $1) })
        }
    }

    /// An axis from 0 to `maximum`, gridded and labelled at tenths.
    struct Axis {
        let title: String
        var maximum = 1.0
    }

    typealias Color = Canvas.Color
    static let palette: [Color] = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14)]

    private var canvas: Canvas
    private var width: Int { canvas.width }
    private var height: Int { canvas.height }
    private let xAxis: Axis, yAxis: Axis
    // The plot area in pixels: x 0…max maps to left…right, y 0…max to bottom…top.
    private let left = 72, top = 44
    private var right: Int { width - 24 }
    private var bottom: Int { height - 56 }

    /// The finished plot.
    static func render(title: String, x: Axis = Axis(title: "recall"), y: Axis = Axis(title: "precision"), series: [Series],
                       width: Int = 640, height: Int = 480) -> RGBImage {
        var plot = CurvePlot(width: width, height: height, xAxis: x, yAxis: y)
        plot.drawFrame(title: title)
        for (index, item) in series.enumerated() { plot.drawCurve(item.points, color: palette[index % palette.count]) }
        plot.drawLegend(series)
        return plot.canvas.image
    }

    private init(width: Int, height: Int, xAxis: Axis, yAxis: Axis) {
        canvas = Canvas(width: width, height: height)
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    private func x(_ value: Double) -> Int { left + Int((min(value / xAxis.maximum, 1) * Double(right - left)).rounded()) }
    private func y(_ value: Double) -> Int { bottom - Int((min(value / yAxis.maximum, 1) * Double(bottom - top)).rounded()) }

    /// A tick label: "0.3" on a 0…1 axis; integers or one decimal on longer axes.
    private static func tickLabel(_ step: Int, of axis: Axis) -> String {
        if axis.maximum == 1 { return step == 10 ? "1.0" : "0.\(step)" }
        let value = axis.maximum * Double(step) / 10
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private mutating func drawFrame(title: String) {
        let grid: Color = (222, 222, 222), ink: Color = (0, 0, 0)
        for step in 0...10 {
            let fraction = Double(step) / 10
            let px = x(fraction * xAxis.maximum), py = y(fraction * yAxis.maximum)
            canvas.line(px, top, px, bottom, color: grid)
            canvas.line(left, py, right, py, color: grid)
            let xLabel = Self.tickLabel(step, of: xAxis), yLabel = Self.tickLabel(step, of: yAxis)
            canvas.text(xLabel, atX: px - BitmapFont.width(of: xLabel) / 2, y: bottom + 8, color: ink)
            canvas.text(yLabel, atX: left - 8 - BitmapFont.width(of: yLabel), y: py - 3, color: ink)
        }
        canvas.line(left, top, left, bottom, color: ink)
        canvas.line(left, bottom, right, bottom, color: ink)
        canvas.line(right, top, right, bottom, color: ink)
        canvas.line(left, top, right, top, color: ink)
        canvas.text(xAxis.title, atX: (left + right - BitmapFont.width(of: xAxis.title, scale: 2)) / 2, y: bottom + 26, color: ink, scale: 2)
        canvas.text(yAxis.title, atX: 14, y: (top + bottom + BitmapFont.width(of: yAxis.title, scale: 2)) / 2, color: ink, scale: 2,
             vertical: true)
        canvas.text(title, atX: (width - BitmapFont.width(of: title, scale: 2)) / 2, y: 14, color: ink, scale: 2)
    }

    private mutating func drawCurve(_ points: [(x: Double, y: Double)], color: Color) {
        if points.count == 1 {   // a single operating point: a small square
            for oy in -3...3 { for ox in -3...3 { canvas.put(x(points[0].x) + ox, y(points[0].y) + oy, color) } }
        }
        for i in points.indices.dropFirst() {
            canvas.line(x(points[i - 1].x), y(points[i - 1].y), x(points[i].x), y(points[i].y), color: color, thickness: 2)
        }
    }

    /// Bottom left of the plot area, where PR curves rarely run.
    private mutating func drawLegend(_ series: [Series]) {
        guard !series.isEmpty else { return }
        let boxTop = bottom - 20 - 14 * (series.count - 1)
        let boxRight = left + 42 + (series.map { BitmapFont.width(of: $0.label) }.max() ?? 0)
        canvas.fill(x: left + 4, y: boxTop, width: boxRight - left - 4, height: bottom - 4 - boxTop, color: (255, 255, 255))
        for (index, item) in series.enumerated() {
            let rowY = bottom - 14 - 14 * (series.count - 1 - index)
            canvas.line(left + 10, rowY + 3, left + 30, rowY + 3, color: Self.palette[index % Self.palette.count], thickness: 2)
            canvas.text(item.label, atX: left + 36, y: rowY, color: (0, 0, 0))
        }
    }
}

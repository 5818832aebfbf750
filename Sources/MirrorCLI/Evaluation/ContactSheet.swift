import MirrorImageIO

/// A grid of thumbnails, one row per query: the query (blue frame) and its results, each with a
/// label under it and a frame saying whether ground truth calls the pair matchable (green), not
/// matchable (red), or is not given (grey). `mirror show` writes it as PNG.
enum ContactSheet {
    enum Verdict: String {
        case query, matchable, unmatchable, unknown

        var color: Canvas.Color {
            switch self {
            case .query: return (31, 119, 180)
            case .matchable: return (0, 170, 0)
            case .unmatchable: return (210, 0, 0)
            case .unknown: return (150, 150, 150)
            }
        }
    }

    struct Tile {
        /// nil: the image could not be read (a grey box).
        let image: RGBImage?
        let label: String
        let verdict: Verdict
    }

    // Cell geometry: margin, frame, thumbnail box, frame, margin; then a label line.
    static let margin = 6, frameWidth = 4, box = 128, labelHeight = 14
    static var cellWidth: Int { 2 * (margin + frameWidth) + box }
    static var cellHeight: Int { cellWidth + labelHeight }

    /// The sheet for `rows` (all of the same length or shorter; the widest sets the width).
    static func render(_ rows: [[Tile]]) -> RGBImage {
        let columns = max(1, rows.map(\.count).max() ?? 1)
        var canvas = Canvas(width: columns * cellWidth, height: max(1, rows.count) * cellHeight)
        for (r, row) in rows.enumerated() {
            for (c, tile) in row.enumerated() {
                let (x, y) = (c * cellWidth, r * cellHeight)
                canvas.frame(x: x + margin, y: y + margin, width: box + 2 * frameWidth, height: box + 2 * frameWidth,
                             thickness: frameWidth, color: tile.verdict.color)
                if let image = tile.image {
                    canvas.paste(image, x: x + margin + frameWidth, y: y + margin + frameWidth, box: box)
                } else {
                    canvas.fill(x: x + margin + frameWidth, y: y + margin + frameWidth, width: box, height: box, color: (200, 200, 200))
                }
                let fits = (cellWidth - margin) / BitmapFont.advance
                let label = tile.label.count > fits ? String(tile.label.prefix(fits - 1)) + "~" : tile.label
                canvas.text(label, atX: x + margin, y: y + cellWidth, color: (0, 0, 0))
            }
        }
        return canvas.image
    }
}

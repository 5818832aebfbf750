import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval

/// The seed's Oxford/Paris query handling (`inference.py` `oxford_query_images`, SPEC §5): each
/// `<query>_query.txt` names an image (`oxc1_` prefix stripped) and a box; the image is read with
/// PIL (ISLOW), optionally cropped, and **re-encoded as JPEG quality 75, 4:2:0** into
/// `<folder>/<query>.jpg`, which is then what the network sees (TF-IFAST-decoded). The images live
/// in the folder of the first path in the image list.
enum OxfordQueries {
    /// `mirror extract --oxford-gt`: every `*_query.txt` in the folder, images beside the first
    /// image of the list; returns the written JPEG paths in sorted query order.
    static func prepare(groundTruthDirectory: String, imageList: String, outputFolder: String, crop: Bool) throws -> [String] {
        let firstImage = try ImageList.read(listPath: imageList, root: nil)[0]
        let imageDirectory = (firstImage as NSString).deletingLastPathComponent
        let names = try FileManager.default.contentsOfDirectory(atPath: groundTruthDirectory)
            .filter { $0.hasSuffix("_query.txt") }.sorted().map { String($0.dropLast("_query.txt".count)) }
        guard !names.isEmpty else { throw ExtractionError.noImages(inputs: [groundTruthDirectory + "/*_query.txt"]) }
        return try prepare(names: names, groundTruthDirectory: groundTruthDirectory, outputFolder: outputFolder, crop: crop) {
            (imageDirectory as NSString).appendingPathComponent($0 + ".jpg")
        }
    }

    /// The queries `names` (`<groundTruthDirectory>/<name>_query.txt` each), their images found by
    /// stem through `imagePath`, written as `<outputFolder>/<name>.jpg`. With `reuse`, a query JPEG
    /// that already exists is kept (it is written atomically, so it is complete).
    static func prepare(names: [String], groundTruthDirectory: String, outputFolder: String, crop: Bool, reuse: Bool = false,
                        imagePath: (String) throws -> String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        var written: [String] = []
        for query in names {
            let path = (groundTruthDirectory as NSString).appendingPathComponent(query + "_query.txt")
            let output = (outputFolder as NSString).appendingPathComponent(query + ".jpg")
            written.append(output)
            if reuse && FileManager.default.fileExists(atPath: output) { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw EvaluationError.missingGroundTruth(path: path)
            }
            let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 5, let x1 = Double(fields[1]), let y1 = Double(fields[2]),
                  let x2 = Double(fields[3]), let y2 = Double(fields[4]) else {
                throw ExtractionError.malformedQuery(path: path)
            }
            let stem = fields[0].hasPrefix("oxc1_") ? String(fields[0].dropFirst(5)) : fields[0]
            try encode(image: try imagePath(stem), box: crop ? [x1, y1, x2, y2] : nil, boxSource: path, to: output)
        }
        return written
    }

    /// Reads `image` as PIL does (ISLOW), crops it to `box` (`[x1, y1, x2, y2]`) when given, and
    /// writes it re-encoded as JPEG quality 75, 4:2:0.
    static func encode(image path: String, box: [Double]?, boxSource: String, to output: String) throws {
        var image = try ImageDecoder.decode(path: path, dct: .accurate)
        if let box { image = try cropped(image, x1: box[0], y1: box[1], x2: box[2], y2: box[3], path: boxSource) }
        try AtomicFile.write(JPEGEncoder.encode(image, quality: 75, subsampling: .s420), to: output)
    }

    /// The box `[floor(y1), floor(y2)) × [floor(x1), floor(x2))`, clamped to the image. (The
    /// seed's dormant `cropped=True` path read the fields as x, y, w, h; the files hold corners.)
    static func cropped(_ image: RGBImage, x1: Double, y1: Double, x2: Double, y2: Double, path: String) throws -> RGBImage {
        let left = max(0, Int(x1.rounded(.down))), top = max(0, Int(y1.rounded(.down)))
        let right = min(image.width, Int(x2.rounded(.down))), bottom = min(image.height, Int(y2.rounded(.down)))
        guard right > left, bottom > top else { throw ExtractionError.malformedQuery(path: path) }
        var pixels = [UInt8]()
        pixels.reserveCapacity((right - left) * (bottom - top) * 3)
        for y in top..<bottom {
            let start = (y * image.width + left) * 3
            pixels += image.pixels[start..<start + (right - left) * 3]
        }
        return RGBImage(width: right - left, height: bottom - top, pixels: pixels)
    }
}

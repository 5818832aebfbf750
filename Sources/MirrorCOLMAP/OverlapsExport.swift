import Foundation
import MirrorCore

/// Writes a model's co-visibility overlaps in the plain pairs format that `mirror train --pairs`
/// reads (Docs/FORMATS.md, "Plain pairs"): `images.txt` (the registered images in bytewise name
/// order, one per line, image k on line k counting from 0) and `pairs.tsv` (`i<TAB>j<TAB>overlap<TAB>shared_points` for every pair that
/// observes a common 3-D point, i < j, sorted). Both are written atomically; `pairs.tsv` is
/// streamed to its temporary file, so memory stays that of the model.
public enum OverlapsExport {
    public static let imageListName = "images.txt"
    public static let pairsName = "pairs.tsv"

    public struct Summary: Equatable, Sendable {
        public var images = 0
        public var pairs = 0
        /// Pairs with overlap ≥ 0.5 (GL3D's and `mirror train`'s positive threshold).
        public var positivePairs = 0
        /// Images in no pair at all (they share no 3-D point with any other image).
        public var isolatedImages = 0
        /// With an image root: image names whose file is not there (the first few are reported).
        public var missingImages: [String] = []
        public var missingImageCount = 0
    }

    /// - Parameters:
    ///   - imageRoot: when given, `images.txt` lists absolute paths under it (so training needs no
    ///     `--image-root`), and names whose file is missing are counted; otherwise the names as the
    ///     model stores them (relative to the images folder COLMAP was run on).
    public static func write(_ model: COLMAPModel, modelDirectory: String, to folder: String, imageRoot: String?,
                             grid: Int = 16) throws -> Summary {
        var summary = Summary()
        let order = model.imagesByName
        summary.images = order.count
        let root = imageRoot.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        // No header comment: every list reader in mirror (and the seed's) takes each line as an image.
        var list = ""
        for index in order {
            let name = model.images[index].name
            guard let root else { list += name + "\n"; continue }
            let path = (root as NSString).appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: path) {
                summary.missingImageCount += 1
                if summary.missingImages.count < 5 { summary.missingImages.append(path) }
            }
            list += path + "\n"
        }
        try AtomicFile.write(Array(list.utf8), to: (folder as NSString).appendingPathComponent(imageListName))

        let pairsPath = (folder as NSString).appendingPathComponent(pairsName)
        let temporary = AtomicFile.temporaryPath(besides: pairsPath)
        guard let handle = fopen(temporary, "wb") else {
            throw AtomicFileError.cannotWrite(path: pairsPath, reason: String(cString: strerror(errno)))
        }
        var paired = [Bool](repeating: false, count: order.count)
        var failed = false
        func put(_ text: String) { if !failed { failed = fputs(text, handle) < 0 } }
        put("# mirror overlaps: co-visibility overlap on a \(grid)×\(grid) grid (Docs/FORMATS.md, \"COLMAP overlaps\")\n")
        put("# i\tj\toverlap\tshared_points\n")
        model.forEachCovisiblePair(order: order, grid: grid) { pair in
            summary.pairs += 1
            if pair.overlap >= 0.5 { summary.positivePairs += 1 }
            paired[pair.first] = true
            paired[pair.second] = true
            put("\(pair.first)\t\(pair.second)\t\(String(format: "%.6f", pair.overlap))\t\(pair.sharedPoints)\n")
        }
        failed = fflush(handle) != 0 || failed
        failed = fsync(fileno(handle)) != 0 || failed
        let reason = String(cString: strerror(errno))
        failed = fclose(handle) != 0 || failed
        guard !failed else {
            unlink(temporary)
            throw AtomicFileError.cannotWrite(path: pairsPath, reason: reason)
        }
        try AtomicFile.commit(temporary, to: pairsPath)
        summary.isolatedImages = paired.filter { !$0 }.count
        return summary
    }
}

import Foundation
import MirrorCore
import MirrorRetrieval

/// Where cached features of one model and one set of extraction settings live, so that a re-run
/// reuses them and a run with other weights or settings never does: `ROOT/<prefix><key>/`, where
/// the key is the first 12 hex digits of the SHA-256 of `describe` (weights path, size and
/// modification time; network; every extraction setting), written beside the features as
/// `settings.txt`. Used by `mirror eval`'s recipes and `mirror pairs`.
enum FeatureCache {
    /// What cached features depend on, one `name value` per line.
    static func describe(extraction: FeatureExtractor.Configuration, selection: ModelSelection.Selection) -> String {
        let origin = URL(fileURLWithPath: selection.origin).standardizedFileURL.path
        let candidates = [origin, origin + ".index"]
        let attributes = candidates.lazy.compactMap { try? FileManager.default.attributesOfItem(atPath: $0) }.first
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return """
        weights \(origin) (\(size) bytes, modified \(Int(modified)))
        net \(selection.architecture.rawValue)
        img-size \(extraction.imageSize)
        rmac-step \(extraction.effectiveSteps.map(String.init).joined(separator: ","))
        multi-scale \(extraction.multiScale)
        pool \(extraction.pool.rawValue)
        dct \(extraction.dct.rawValue)

        """
    }

    static func key(extraction: FeatureExtractor.Configuration, selection: ModelSelection.Selection) -> String {
        String(SHA256.hex(SHA256.hash(Array(describe(extraction: extraction, selection: selection).utf8))).prefix(12))
    }

    /// Creates (if needed) and returns `root/<prefix><key>`, with its `settings.txt`.
    static func folder(in root: String, prefix: String = "", extraction: FeatureExtractor.Configuration,
                       selection: ModelSelection.Selection) throws -> String {
        let folder = (root as NSString).appendingPathComponent(prefix + key(extraction: extraction, selection: selection))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Array(describe(extraction: extraction, selection: selection).utf8),
                             to: (folder as NSString).appendingPathComponent("settings.txt"))
        return folder
    }
}

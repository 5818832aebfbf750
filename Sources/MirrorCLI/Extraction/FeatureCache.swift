import Foundation
import MirrorCore
import MirrorRetrieval

/// Where cached features of one model and one set of extraction settings live, so that a re-run
/// reuses them and a run with other weights or settings never does: `ROOT/<prefix><key>/`, where
/// the key is the first 12 hex digits of the SHA-256 of `describe` (weights path, size and
/// modification time; network; every extraction setting), written beside the features as
/// `settings.txt`. Used by `mirror eval`'s recipes and `mirror pairs`.
///
/// `mirror pairs` and `eval`'s database features are named by the SHA-256 of the image's bytes
/// (`ContentOutputs`), so a renamed or moved photo reuses its features, an edited one is
/// extracted again, and two datasets with the same names never share features.
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

    /// The SHA-256 (hex) of each image's bytes, nil where the file cannot be read (extraction then
    /// reports it). Hashing reads every byte (about 100 MB/s per thread), so the digests are
    /// remembered in `folder/hashes.tsv` (`sha256, size, mtime in ns, path` per line) and a file
    /// whose path, size and modification time are unchanged is not read again. Like git's index,
    /// this trusts that a rewrite of the same size within the same clock tick does not happen.
    static func contentKeys(images: [String], folder: String, threads: Int) throws -> [String?] {
        let memoPath = (folder as NSString).appendingPathComponent("hashes.tsv")
        var memo: [String: (size: Int, mtime: Int, sha: String)] = [:]
        for line in (try? TextList.read(memoPath, nonEmpty: false)) ?? [] {
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, let size = Int(fields[1]), let mtime = Int(fields[2]), fields[0].count == 64 else { continue }
            memo[String(fields[3])] = (size, mtime, String(fields[0]))
        }
        let stamps = images.map(fileStamp)
        final class Slots: @unchecked Sendable { var keys: [String?]; init(_ n: Int) { keys = Array(repeating: nil, count: n) } }
        let slots = Slots(images.count)
        let lock = NSLock()
        Parallel.forEach(count: images.count, threads: threads) { i in
            guard let stamp = stamps[i] else { return }
            if let known = memo[images[i]], known.size == stamp.size, known.mtime == stamp.mtime {
                lock.withLock { slots.keys[i] = known.sha }
                return
            }
            guard let bytes = try? AtomicFile.read(images[i]) else { return }
            let sha = SHA256.hex(SHA256.hash(bytes))
            lock.withLock { slots.keys[i] = sha }
        }
        let lines = images.indices.compactMap { i -> String? in
            guard let key = slots.keys[i], let stamp = stamps[i] else { return nil }
            return "\(key)\t\(stamp.size)\t\(stamp.mtime)\t\(images[i])\n"
        }
        try AtomicFile.write(Array(lines.joined().utf8), to: memoPath)
        return slots.keys
    }

    /// Size and modification time (ns) of a regular file, nil if it cannot be stat'ed.
    private static func fileStamp(_ path: String) -> (size: Int, mtime: Int)? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return (Int(status.st_size), Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec))
    }

    /// Feature paths in `folder` named by content (`contentKeys`), for `pairs` and `eval`: images
    /// with the same bytes share one file and are extracted once (`unique` lists the first image
    /// of each); an unreadable image gets a name of its own, so extraction reports it.
    struct ContentOutputs {
        let outputs: [String]
        let unique: [Int]

        init(images: [String], folder: String, threads: Int) throws {
            let keys = try FeatureCache.contentKeys(images: images, folder: folder, threads: threads)
            let outputs = keys.enumerated().map { index, key in
                (folder as NSString).appendingPathComponent((key ?? "unreadable-\(index)") + ".npy")
            }
            var first: [String: Int] = [:]
            for index in images.indices where first[outputs[index]] == nil { first[outputs[index]] = index }
            self.outputs = outputs
            unique = images.indices.filter { first[outputs[$0]] == $0 }
        }

        /// The images whose features exist after extracting `unique` with these `failures` (image paths).
        func kept(images: [String], failures: Set<String>) -> [Int] {
            let failedOutputs = Set(unique.filter { failures.contains(images[$0]) }.map { outputs[$0] })
            return images.indices.filter { !failedOutputs.contains(outputs[$0]) }
        }
    }
}

import Foundation
import MirrorCore

/// The output folder of `mirror synth`: refuses to mix a new set into existing files unless told
/// to, and then removes only what `mirror synth` itself writes.
public enum SynthOutputFolder {
    /// The index files of a set, written after every view, `meta.json` last.
    public static let indexFiles = ["images.txt", "pairs.tsv", "gl3d_gt_pairs", "homographies.npy", "meta.json", "failed.txt"]

    /// Makes `out` (and `out/images`) ready for a new set.
    ///
    /// A missing folder is created. An existing non-empty folder is refused unless `force`; with
    /// `force` the files an earlier `mirror synth` wrote (`indexFiles`, `images/*_vNN.jpg` and
    /// leftover `.partial` temporaries) are deleted and everything else is left alone, so a wrong
    /// `--out` never loses user data silently.
    /// - Throws: `SynthError.outputNotEmpty`, `.outputIsInput`, or a file-system error.
    public static func prepare(_ out: String, photos: String, force: Bool) throws {
        let fileManager = FileManager.default
        if resolved(out) == resolved(photos) || resolved(out + "/images") == resolved(photos) {
            throw SynthError.outputIsInput(path: out)
        }
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: out, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SynthError.outputNotEmpty(path: out) }
            let entries = try fileManager.contentsOfDirectory(atPath: out)
            if !entries.isEmpty {
                guard force else { throw SynthError.outputNotEmpty(path: out) }
                removeEarlierSet(out)
            }
        }
        try fileManager.createDirectory(atPath: out + "/images", withIntermediateDirectories: true)
    }

    private static func removeEarlierSet(_ out: String) {
        for name in indexFiles {
            unlink(out + "/" + name)
            AtomicFile.removePartials(of: out + "/" + name)
        }
        let images = out + "/images"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: images) else { return }
        for name in names where isViewFile(name) || (name.hasPrefix(".") && name.hasSuffix(AtomicFile.partialSuffix)) {
            unlink(images + "/" + name)
        }
    }

    /// `<stem>_v<digits>.jpg`: the name of a view `mirror synth` writes.
    static func isViewFile(_ name: String) -> Bool {
        guard name.hasSuffix(".jpg"), let marker = name.range(of: "_v", options: .backwards) else { return false }
        let digits = name[marker.upperBound..<name.index(name.endIndex, offsetBy: -4)]
        return digits.count >= 2 && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

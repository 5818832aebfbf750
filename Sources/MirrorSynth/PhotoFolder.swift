import Foundation

/// The photos of a folder as `mirror synth` and the NumPy generator list them: the files directly
/// in it (no recursion) whose names end in `.jpg`, `.jpeg` or `.png` (any case), sorted bytewise by
/// their UTF-8 name, so the listing is the same on every machine and locale.
public enum PhotoFolder {
    public static let extensions = ["jpg", "jpeg", "png"]

    /// The photo file names of `folder`, sorted bytewise.
    /// - Throws: `SynthError.missingFolder`, `.noPhotos`, or `.sameStem` for two photos whose views
    ///   would get the same file names.
    public static func photoNames(_ folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
              let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw SynthError.missingFolder(path: folder)
        }
        let names = entries
            .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !names.isEmpty else { throw SynthError.noPhotos(path: folder) }
        var seen: [String: String] = [:]
        for name in names {
            if let first = seen[stem(name)] { throw SynthError.sameStem(first: first, second: name) }
            seen[stem(name)] = name
        }
        return names
    }

    /// The name without its extension: `castle.jpg` → `castle`.
    public static func stem(_ name: String) -> String {
        (name as NSString).deletingPathExtension
    }

    /// The path of view `view` of the photo `name`, relative to the output folder: `images/<stem>_vKK.jpg`.
    public static func viewPath(photo name: String, view: Int) -> String {
        "images/\(stem(name))_v" + (view < 10 ? "0\(view)" : "\(view)") + ".jpg"
    }
}

/// Text lists — image, query, feature and name lists: one entry per line, surrounding white space
/// stripped, blank lines ignored (the seed reads them with `readlines()` + `strip()`), relative
/// entries joined to a root like `os.path.join`. The one reader every command uses.
public enum TextList {
    /// The entries of a list's text.
    public static func entries(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { String($0).trimming(" \t\r") }
            .filter { !$0.isEmpty }
    }

    /// The entries of the list file at `path`.
    /// - Throws: `TextListError.unreadable` or, with `nonEmpty`, `.empty`, naming the file.
    public static func read(_ path: String, nonEmpty: Bool = true) throws -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path)
        } catch let AtomicFileError.cannotRead(_, reason) {
            throw TextListError.unreadable(path: path, reason: reason)
        }
        let result = entries(String(decoding: bytes, as: UTF8.self))
        guard !nonEmpty || !result.isEmpty else { throw TextListError.empty(path: path) }
        return result
    }

    /// `os.path.join(root, entry)`: an absolute entry wins; otherwise a `/` is inserted when needed.
    public static func join(_ root: String?, _ entry: String) -> String {
        guard let root, !root.isEmpty, !entry.hasPrefix("/") else { return entry }
        return root.hasSuffix("/") ? root + entry : root + "/" + entry
    }
}

public enum TextListError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case empty(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read the list: \(reason)"
        case .empty(let path): return "\(path): the list is empty"
        }
    }
}

import MirrorCore

/// The lines of a text file, keeping blank ones so that line `k` (0-based) is `lines[k]`.
///
/// `TextList` drops blank lines, which is right for lists read as a set of paths but would shift
/// every later index of a list that other files index into by line: GL3D's records point into
/// `global_img_list.txt` by line number, as the seed's `read_list` (`splitlines()`) counts them,
/// and errors in the pairs format name the 1-based line. Lines end at `\n`, `\r\n` or `\r`, as
/// for `str.splitlines()`; a final line break does not start an extra empty line.
enum TextLines {
    /// The lines of the file at `path`, in order, without their line breaks.
    /// - Throws: `TrainingError.unreadable` naming `path`.
    static func read(_ path: String) throws -> [Substring] {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path)
        } catch let AtomicFileError.cannotRead(_, reason) {
            throw TrainingError.unreadable(path: path, reason: reason)
        }
        return split(String(decoding: bytes, as: UTF8.self))
    }

    /// The lines of `text` (see the type's summary).
    static func split(_ text: String) -> [Substring] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: isBreak)
        if let last = text.last, isBreak(last) { lines.removeLast() }
        return lines
    }

    /// `\r\n` is a single `Character` in Swift, so it is matched as one break.
    private static func isBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n" || character == "\r"
    }
}

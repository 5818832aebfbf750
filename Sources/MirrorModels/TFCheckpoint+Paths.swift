import Foundation
import MirrorCore

/// Resolving the ways a TensorFlow checkpoint is named on the command line to its path prefix
/// `P` (whose files are `P.index` and `P.data-NNNNN-of-MMMMM`).
extension TFCheckpoint {
    /// Resolves `path` to a checkpoint prefix:
    /// - a folder containing a `checkpoint` state file → its `model_checkpoint_path`
    ///   (relative paths are taken relative to that folder);
    /// - a `checkpoint` state file itself → likewise;
    /// - `P.index` or `P.data-00000-of-00001` → `P`;
    /// - `P` when `P.index` exists.
    public static func resolvePrefix(_ path: String) throws -> String {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                let stateFile = (path as NSString).appendingPathComponent("checkpoint")
                guard fileManager.fileExists(atPath: stateFile) else {
                    throw TFCheckpointError.cannotResolve(path: path, reason: "folder has no 'checkpoint' file; pass the checkpoint prefix (e.g. model.ckpt-720000) instead")
                }
                return try prefix(fromStateFile: stateFile)
            }
            if (path as NSString).lastPathComponent == "checkpoint", !fileManager.fileExists(atPath: path + ".index") {
                return try prefix(fromStateFile: path)
            }
            if path.hasSuffix(".index") { return String(path.dropLast(".index".count)) }
            if let prefix = TFShardNames.prefix(ofDataFile: path) { return prefix }
        }
        if fileManager.fileExists(atPath: path + ".index") { return path }
        throw TFCheckpointError.cannotResolve(path: path, reason: "neither '\(path).index' nor a folder with a 'checkpoint' file exists")
    }

    /// The prefix named by a `checkpoint` state file (text-format `CheckpointState`):
    /// the `model_checkpoint_path: "…"` line, relative to the file's folder unless absolute.
    static func prefix(fromStateFile stateFile: String) throws -> String {
        let text: String
        do {
            text = String(decoding: try AtomicFile.read(stateFile), as: UTF8.self)
        } catch {
            throw TFCheckpointError.cannotResolve(path: stateFile, reason: "cannot read: \(error)")
        }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("model_checkpoint_path:") else { continue }
            let value = trimmed.dropFirst("model_checkpoint_path:".count).trimmingCharacters(in: .whitespaces)
            guard let unquoted = unquote(value), !unquoted.isEmpty else {
                throw TFCheckpointError.cannotResolve(path: stateFile, reason: "cannot parse \(trimmed)")
            }
            if unquoted.hasPrefix("/") { return unquoted }
            return ((stateFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(unquoted)
        }
        throw TFCheckpointError.cannotResolve(path: stateFile, reason: "no model_checkpoint_path line")
    }

    /// A text-format string literal `"…"` or `'…'` with C escapes (\\ \" \' \n \t and octal).
    static func unquote(_ literal: String) -> String? {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 2, let quote = scalars.first, quote == "\"" || quote == "'", scalars.last == quote else {
            return nil
        }
        var bytes: [UInt8] = []
        var i = 1
        while i < scalars.count - 1 {
            let c = scalars[i]
            if c == "\\", i + 1 < scalars.count - 1 {
                let next = scalars[i + 1]
                switch next {
                case "n": bytes.append(0x0A)
                case "t": bytes.append(0x09)
                case "r": bytes.append(0x0D)
                case "0"..."7":
                    var value = 0, digits = 0
                    while digits < 3, i + 1 + digits < scalars.count - 1, ("0"..."7").contains(scalars[i + 1 + digits]) {
                        value = value * 8 + Int(scalars[i + 1 + digits].value - 48)
                        digits += 1
                    }
                    bytes.append(UInt8(truncatingIfNeeded: value))
                    i += 1 + digits
                    continue
                default: bytes += Array(String(next).utf8)
                }
                i += 2
            } else {
                bytes += Array(String(c).utf8)
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Shard file names: `P.data-00000-of-00003` (5-digit shard index and count).
enum TFShardNames {
    static func fiveDigits(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    static func dataPath(prefix: String, shard: Int, shardCount: Int) -> String {
        "\(prefix).data-\(fiveDigits(shard))-of-\(fiveDigits(shardCount))"
    }

    /// `P` for a path `P.data-NNNNN-of-MMMMM`, else nil.
    static func prefix(ofDataFile path: String) -> String? {
        let suffixLength = ".data-00000-of-00000".count
        guard path.utf8.count > suffixLength else { return nil }
        let suffix = Array(path.utf8.suffix(suffixLength))
        let pattern = Array(".data-#####-of-#####".utf8)
        for (s, p) in zip(suffix, pattern) {
            if p == UInt8(ascii: "#") ? !(48...57).contains(s) : s != p { return nil }
        }
        return String(decoding: path.utf8.dropLast(suffixLength), as: UTF8.self)
    }
}

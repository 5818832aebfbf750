import Foundation

/// Why a benchmark evaluation could not run. Every case names the file or item at fault.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformedLine(path: String, line: Int, text: String)
    case indexOutOfRange(path: String, line: Int, index: Int, count: Int, what: String)
    case missingGroundTruth(path: String)
    case noPositives(query: String)
    case queryWithoutResults(query: String)
    case unknownImage(name: String, list: String)
    case emptyList(path: String)
    case invalidGroundTruth(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .malformedLine(let path, let line, let text): return "\(path):\(line): malformed line '\(text)'"
        case .indexOutOfRange(let path, let line, let index, let count, let what):
            return "\(path):\(line): index \(index) is outside the \(what) (\(count) entries)"
        case .missingGroundTruth(let path): return "\(path): ground-truth file not found"
        case .noPositives(let query): return "query '\(query)' has no positive images in its ground truth"
        case .queryWithoutResults(let query): return "query '\(query)' has no results in the match pairs"
        case .unknownImage(let name, let list): return "image '\(name)' is not in \(list)"
        case .emptyList(let path): return "\(path): the list is empty"
        case .invalidGroundTruth(let path, let reason): return "\(path): not a revisited ground-truth file: \(reason)"
        }
    }
}

/// Text lists (image, query, feature lists): one entry per line, surrounding white space stripped,
/// blank lines ignored — the seed reads them with `readlines()` + `strip()`.
public enum TextList {
    public static func lines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path)
                                             ? "permission denied or a directory" : "no such file")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    public static func nonEmptyLines(_ path: String) throws -> [String] {
        let result = try lines(path)
        guard !result.isEmpty else { throw EvaluationError.emptyList(path: path) }
        return result
    }
}

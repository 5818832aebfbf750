/// Why a benchmark evaluation could not run. Every case names the file or item at fault.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case malformedLine(path: String, line: Int, text: String)
    case indexOutOfRange(path: String, line: Int, index: Int, count: Int, what: String)
    case missingGroundTruth(path: String)
    case noPositives(query: String)
    case queryWithoutResults(query: String)
    case unknownImage(name: String, list: String)
    case invalidGroundTruth(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedLine(let path, let line, let text): return "\(path):\(line): malformed line '\(text)'"
        case .indexOutOfRange(let path, let line, let index, let count, let what):
            return "\(path):\(line): index \(index) is outside the \(what) (\(count) entries)"
        case .missingGroundTruth(let path): return "\(path): ground-truth file not found"
        case .noPositives(let query): return "query '\(query)' has no positive images in its ground truth"
        case .queryWithoutResults(let query): return "query '\(query)' has no results in the match pairs"
        case .unknownImage(let name, let list): return "image '\(name)' is not in \(list)"
        case .invalidGroundTruth(let path, let reason): return "\(path): not a revisited ground-truth file: \(reason)"
        }
    }
}

/// Everything that can go wrong reading training data or running `mirror train`. Every case
/// names the file it is about, and where a byte offset or line locates the problem, that too:
/// a user with 10⁵ images must be able to find the one bad record.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A binary file ended or held an impossible value at `offset` (bytes from the start).
    case malformed(path: String, offset: Int, reason: String)
    /// A text file is wrong at `line` (1-based).
    case invalidLine(path: String, line: Int, reason: String)
    /// The data as a whole cannot make a training batch (e.g. fewer than two scenes).
    case unusableData(path: String, reason: String)
    /// A snapshot or optimizer-state file does not fit the run that tries to resume from it.
    case incompatibleSnapshot(path: String, reason: String)
    /// Too many training images failed to load (or one scene kept failing), so the run stops
    /// rather than train on a silently shrinking set; `images` names every failure seen.
    case badImages(reason: String, images: [BadImage])
    /// The loss or a gradient stopped being finite at `step`; the run stops before the update, so
    /// the last snapshot is the last good state.
    case nonFiniteLoss(step: Int, what: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .malformed(let path, let offset, let reason): return "\(path): at byte \(offset): \(reason)"
        case .invalidLine(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .unusableData(let path, let reason): return "\(path): \(reason)"
        case .incompatibleSnapshot(let path, let reason): return "\(path): cannot resume: \(reason)"
        case .badImages(let reason, let images):
            return ([reason] + images.map { "  \($0)" }).joined(separator: "\n")
        case .nonFiniteLoss(let step, let what):
            return "step \(step): \(what); stopped before updating the weights (lower --base-lr, or resume from an earlier snapshot)"
        }
    }
}

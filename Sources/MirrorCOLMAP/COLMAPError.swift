/// What can go wrong reading a COLMAP model. Every case names the file; malformed content also
/// says where (a byte offset in `.bin` files, a line number in `.txt` files) and what was expected.
public enum COLMAPError: Error, Equatable, CustomStringConvertible {
    public enum Location: Equatable, Sendable {
        case byte(Int)
        case line(Int)
    }

    /// The folder has neither the binary nor the text model files.
    case notAModel(directory: String, reason: String)
    case unreadable(path: String, reason: String)
    case malformed(path: String, at: Location, reason: String)
    /// The files disagree with each other (a camera, image, point or keypoint that is referred to
    /// but missing, or a track that the image's keypoint does not point back to).
    case inconsistent(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAModel(let directory, let reason): return "\(directory): not a COLMAP sparse model: \(reason)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .malformed(let path, .byte(let offset), let reason): return "\(path): byte \(offset): \(reason)"
        case .malformed(let path, .line(let line), let reason): return "\(path):\(line): \(reason)"
        case .inconsistent(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// Why an image could not be turned into pixels. Every case names the file, so a batch run can
/// report it and move on (an hour of extraction is never lost to one corrupt JPEG).
public enum ImageIOError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, permissions).
    case unreadable(path: String, reason: String)
    /// The file is empty.
    case empty(path: String)
    /// The bytes are neither JPEG nor PNG.
    case unsupportedFormat(path: String, reason: String)
    /// The decoder rejected the data (corrupt, truncated, unsupported variant).
    case decodeFailed(path: String, reason: String)
    /// Encoding an image failed (TurboJPEG/libpng message).
    case encodeFailed(path: String, reason: String)
    /// The declared dimensions exceed mirror's decode bound (see `ImageDecoder.maxPixels`).
    case tooLarge(path: String, width: Int, height: Int, limit: Int)

    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .unsupportedFormat(let path, _),
             .decodeFailed(let path, _), .encodeFailed(let path, _), .tooLarge(let path, _, _, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read file: \(reason)"
        case .empty(let path): return "\(path): file is empty"
        case .unsupportedFormat(let path, let reason): return "\(path): unsupported image format: \(reason)"
        case .decodeFailed(let path, let reason): return "\(path): cannot decode image: \(reason)"
        case .encodeFailed(let path, let reason): return "\(path): cannot encode image: \(reason)"
        case .tooLarge(let path, let width, let height, let limit):
            return "\(path): image is \(width)×\(height) = \(width * height) pixels, above the limit of \(limit)"
        }
    }
}

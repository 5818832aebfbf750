/// One tensor whose shape differs from what the architecture expects.
public struct ShapeMismatch: Equatable, Sendable, CustomStringConvertible {
    public var name: String
    public var expected: [Int]
    public var actual: [Int]

    public init(name: String, expected: [Int], actual: [Int]) {
        self.name = name
        self.expected = expected
        self.actual = actual
    }

    public var description: String { "\(name): expected \(expected), found \(actual)" }
}

/// Why a weight file could not be read, written or used. Every case names the file (the
/// destination for writes), so a message alone says which file to look at.
public enum WeightError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened at all (missing, a directory, no permission).
    case cannotOpen(path: String, reason: String)
    /// The first 8 bytes are not the HDF5 signature `\x89HDF\r\n\x1a\n`.
    case notHDF5(path: String)
    /// HDF5 rejected the file or an object in it (e.g. a truncated file); carries HDF5's stack.
    case hdf5(HDF5Error)
    /// A required root attribute is absent.
    case missingAttribute(path: String, name: String)
    /// A root attribute is present but unusable (wrong length, unknown channel order, …).
    case invalidAttribute(path: String, name: String, reason: String)
    /// The tensors do not hash to the stored `content_sha256`: the file was damaged or edited.
    case hashMismatch(path: String, stored: String, computed: String)
    /// The file holds weights for another network.
    case architectureMismatch(path: String, expected: String, actual: String)
    /// Tensor names or shapes differ from the architecture's; all differences at once, each
    /// list sorted by name.
    case mismatch(path: String, missing: [String], unexpected: [String], mismatched: [ShapeMismatch])
    /// A tensor name that cannot be stored as an HDF5 path (empty, leading `/`, `//`, `.` or `..`).
    case invalidTensorName(path: String, name: String)
    /// Writing failed; nothing was left at (or changed at) `path`.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open weight file: \(reason)"
        case .notHDF5(let path):
            return "\(path): not an HDF5 file (the first 8 bytes are not the HDF5 signature)"
        case .hdf5(let error):
            return error.description
        case .missingAttribute(let path, let name):
            return "\(path): weight file lacks the root attribute '\(name)'"
        case .invalidAttribute(let path, let name, let reason):
            return "\(path): root attribute '\(name)' is invalid: \(reason)"
        case .hashMismatch(let path, let stored, let computed):
            return "\(path): tensor contents do not match content_sha256 (stored \(stored), computed \(computed)); "
                + "the file is damaged or was edited"
        case .architectureMismatch(let path, let expected, let actual):
            return "\(path): holds \(actual) weights, expected \(expected)"
        case .mismatch(let path, let missing, let unexpected, let mismatched):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing: " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: " + Self.list(unexpected)) }
            if !mismatched.isEmpty {
                parts.append("\(mismatched.count) with wrong shape: " + Self.list(mismatched.map(\.description)))
            }
            return "\(path): tensors do not match the architecture; " + parts.joined(separator: "; ")
        case .invalidTensorName(let path, let name):
            return "\(path): tensor name '\(name)' cannot be stored (empty part, leading '/', '.' or '..')"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write weight file: \(reason)"
        }
    }

    /// Up to 20 items, then a count of the rest, so a completely wrong file gives a readable
    /// message; the payload always keeps every name.
    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(20).joined(separator: ", ")
        return items.count > 20 ? shown + ", … and \(items.count - 20) more" : shown
    }
}

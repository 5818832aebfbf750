/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0; SPEC §6.1).
///
/// The header is a Python dict literal such as `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (2048, 35), }`. Its length field is always honoured (NumPy 2.4 pads headers with
/// growth spaces). Writers emit version 1.0 with the data aligned to 64 bytes, switching to 2.0
/// only when the header does not fit a 16-bit length, as NumPy does.
public enum NpyFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads `path`. Throws `NpyError` (or `AtomicFileError` for I/O) naming the file.
    public static func read(_ path: String) throws -> NpyArray {
        try parse(AtomicFile.read(path), name: path)
    }

    /// Atomically writes `array` to `path`.
    public static func write(_ array: NpyArray, to path: String) throws {
        try AtomicFile.write(encode(array), to: path)
    }

    /// The complete file bytes for `array`.
    public static func encode(_ array: NpyArray) -> [UInt8] {
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // magic(6) + version(2) + length(2 or 4) + header + '\n', padded with spaces to 64 bytes.
        let prefixV1 = magic.count + 2 + 2
        var version: UInt8 = 1
        var total = prefixV1 + header.utf8.count + 1
        if (total + 63) / 64 * 64 - prefixV1 > 65535 {
            version = 2
            total += 2
        }
        header += String(repeating: " ", count: (total + 63) / 64 * 64 - total) + "\n"
        var out = magic + [version, 0]
        let length = header.utf8.count
        if version == 1 {
            out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            out += (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        }
        out += Array(header.utf8)
        out += array.bytes
        return out
    }

    /// Parses the bytes of a `.npy` file; `name` is used in errors.
    public static func parse(_ bytes: [UInt8], name: String) throws -> NpyArray {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NpyError.malformed(path: name, reason: "not a .npy file (missing \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NpyError.malformed(path: name, reason: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw NpyError.malformed(path: name, reason: "unsupported format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw NpyError.malformed(path: name, reason: "header length \(headerLength) runs past the end of the file")
        }
        // v1/v2 headers are latin-1, v3 UTF-8; the keys and values we need are ASCII either way.
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        let fields = try NpyHeader.parse(header, name: name)
        let dataStart = headerStart + headerLength
        let expected = fields.shape.reduce(1, *) * fields.dtype.size
        guard bytes.count - dataStart >= expected else {
            throw NpyError.truncated(path: name, expectedBytes: expected, actualBytes: bytes.count - dataStart)
        }
        var data = Array(bytes[dataStart..<dataStart + expected])
        if fields.bigEndian { data = byteSwapped(data, elementSize: fields.dtype.size) }
        if fields.fortranOrder && fields.shape.count > 1 {
            data = fortranToC(data, shape: fields.shape, elementSize: fields.dtype.size)
        }
        return NpyArray(dtype: fields.dtype, shape: fields.shape, bytes: data)
    }

    private static func byteSwapped(_ data: [UInt8], elementSize: Int) -> [UInt8] {
        guard elementSize > 1 else { return data }
        var out = data
        for start in stride(from: 0, to: data.count, by: elementSize) {
            for k in 0..<elementSize { out[start + k] = data[start + elementSize - 1 - k] }
        }
        return out
    }

    /// Reorders column-major elements into row-major order.
    static func fortranToC(_ data: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        let count = shape.reduce(1, *)
        var out = [UInt8](repeating: 0, count: data.count)
        var index = [Int](repeating: 0, count: shape.count)  // C-order multi-index of element `flat`
        for flat in 0..<count {
            var fortranOffset = 0, stride = 1
            for axis in 0..<shape.count {
                fortranOffset += index[axis] * stride
                stride *= shape[axis]
            }
            for k in 0..<elementSize { out[flat * elementSize + k] = data[fortranOffset * elementSize + k] }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}

public enum NpyError: Error, Equatable, CustomStringConvertible {
    case malformed(path: String, reason: String)
    case unsupportedDType(path: String, descr: String)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)

    public var description: String {
        switch self {
        case .malformed(let path, let reason): return "\(path): malformed .npy: \(reason)"
        case .unsupportedDType(let path, let descr): return "\(path): unsupported .npy dtype '\(descr)'"
        case .truncated(let path, let expected, let actual):
            return "\(path): truncated .npy: header promises \(expected) data bytes, file has \(actual)"
        }
    }
}

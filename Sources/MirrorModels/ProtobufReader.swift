import MirrorCore

/// A minimal protocol-buffers wire-format reader: enough to decode TensorFlow's
/// `BundleHeaderProto` and `BundleEntryProto` without generated code.
///
/// Supports varint (0), fixed64 (1), length-delimited (2) and fixed32 (5) fields; unknown fields
/// of those types are skipped. Groups (3, 4) are deprecated and never appear in bundles; they are
/// rejected. Errors are `ByteCursor.OutOfBounds` (or `ProtobufReader.Malformed`), mapped by the
/// caller to an error naming the file.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private var cursor: ByteCursor

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        cursor = ByteCursor(bytes, range: range)
    }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> (number: Int, wireType: WireType)? {
        guard !cursor.isAtEnd else { return nil }
        let key = try cursor.varint64()
        let number = key >> 3
        guard number >= 1, number <= (1 << 29) - 1 else { throw Malformed(description: "field number \(number) out of range") }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw Malformed(description: "unknown wire type \(key & 7) for field \(number)")
        }
        return (Int(number), wireType)
    }

    mutating func varint() throws -> UInt64 { try cursor.varint64() }

    /// An `int32`/`int64`/enum field (negative values arrive as 10-byte two's complement).
    mutating func int64() throws -> Int64 { Int64(bitPattern: try cursor.varint64()) }

    mutating func fixed32() throws -> UInt32 { try cursor.u32() }
    mutating func fixed64() throws -> UInt64 { try cursor.u64() }

    /// The byte range of a length-delimited field (absolute positions in the message's buffer).
    mutating func lengthDelimited() throws -> Range<Int> {
        try cursor.range(try cursor.varintLength())
    }

    /// A nested message reader over the next length-delimited field.
    mutating func message() throws -> ProtobufReader {
        ProtobufReader(cursor.bytes, range: try lengthDelimited())
    }

    /// Reads a field's value expecting `expected`, or throws naming the mismatch.
    mutating func expect(_ wireType: WireType, _ expected: WireType, field: String) throws {
        guard wireType == expected else {
            throw Malformed(description: "field \(field) has wire type \(wireType.rawValue), expected \(expected.rawValue)")
        }
    }

    /// Skips a field of the given wire type.
    mutating func skip(_ wireType: WireType) throws {
        switch wireType {
        case .varint: _ = try cursor.varint64()
        case .fixed64: try cursor.skip(8)
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed32: try cursor.skip(4)
        case .startGroup, .endGroup: throw Malformed(description: "protobuf groups are not supported")
        }
    }

    /// The whole buffer the reader walks (for slicing the ranges it returns).
    var bytes: [UInt8] { cursor.bytes }
}

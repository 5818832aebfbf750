/// A bounds-checked reader over a byte array: little-endian integers, protobuf/LevelDB varints
/// and byte runs. Every read throws `ByteCursor.OutOfBounds` instead of trapping, so parsers of
/// untrusted files (checkpoint indexes, pickles, ZIP directories) never crash on corrupt input;
/// each parser maps the error to its own typed error naming the file.
public struct ByteCursor {
    /// A read that would run past `end`, or a varint longer than its type allows.
    public struct OutOfBounds: Error, CustomStringConvertible {
        public let position: Int
        public let reason: String
        public init(position: Int, reason: String) {
            self.position = position
            self.reason = reason
        }
        public var description: String { "\(reason) at byte \(position)" }
    }

    public let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int

    /// A cursor over `bytes[range]` (the whole array by default); positions stay absolute.
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        let range = range ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "cursor range outside the buffer")
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position >= end }

    private func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= end - position else {
            throw OutOfBounds(position: position, reason: "\(what) needs \(count) bytes but \(max(0, end - position)) remain")
        }
    }

    public mutating func skip(_ count: Int) throws {
        try require(count, "skip")
        position += count
    }

    public mutating func u8() throws -> UInt8 {
        try require(1, "byte")
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned little-endian integer of `width` bytes (≤ 8).
    public mutating func littleEndian(width: Int) throws -> UInt64 {
        try require(width, "\(width)-byte integer")
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += width
        return value
    }

    public mutating func u16() throws -> UInt16 { UInt16(try littleEndian(width: 2)) }
    public mutating func u32() throws -> UInt32 { UInt32(try littleEndian(width: 4)) }
    public mutating func u64() throws -> UInt64 { try littleEndian(width: 8) }

    /// A base-128 varint of at most 10 bytes (protobuf / LevelDB varint64).
    public mutating func varint64() throws -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<10 {
            let start = position
            let byte = try u8()
            if i == 9 && byte > 1 {
                throw OutOfBounds(position: start, reason: "varint overflows 64 bits")
            }
            value |= UInt64(byte & 0x7F) << (7 * UInt64(i))
            if byte & 0x80 == 0 { return value }
        }
        throw OutOfBounds(position: position, reason: "varint longer than 10 bytes")
    }

    /// A varint that must fit 32 bits (LevelDB block entry lengths).
    public mutating func varint32() throws -> UInt32 {
        let start = position
        let value = try varint64()
        guard value <= UInt64(UInt32.max), position - start <= 5 else {
            throw OutOfBounds(position: start, reason: "varint32 out of range")
        }
        return UInt32(value)
    }

    /// A varint used as a length or offset: must fit a non-negative `Int`.
    public mutating func varintLength() throws -> Int {
        let start = position
        let value = try varint64()
        guard value <= UInt64(Int.max) else { throw OutOfBounds(position: start, reason: "length \(value) too large") }
        return Int(value)
    }

    /// The next `count` bytes as a range of absolute positions into `bytes`.
    public mutating func range(_ count: Int) throws -> Range<Int> {
        try require(count, "byte run")
        defer { position += count }
        return position..<position + count
    }

    public mutating func read(_ count: Int) throws -> [UInt8] {
        Array(bytes[try range(count)])
    }
}

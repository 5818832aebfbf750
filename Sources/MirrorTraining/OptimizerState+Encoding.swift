import MirrorCore

/// The binary form of `OptimizerState`, stored inside snapshot files.
///
/// Layout, all integers little-endian:
///
///     "MOPT"                      magic
///     u32   version               1
///     u64   total byte length     (so truncation is reported as such, not as a bad checksum)
///     u32 n, n bytes              algorithm name, UTF-8
///     u64   step
///     u32   parameter count
///     per parameter, names in ascending UTF-8 byte order:
///         u32 n, n bytes          parameter name
///         u32   slot count
///         per slot, names in ascending UTF-8 byte order:
///             u32 n, n bytes      slot name
///             u64   value count
///             value count × f32   bit patterns as stored (NaN payloads kept)
///     u32   CRC-32C (Castagnoli, `MirrorCore.CRC32C`) of every byte before it
///
/// The order is canonical and the decoder accepts nothing else, so every blob it accepts
/// re-encodes to the same bytes, and equal states always encode identically.
extension OptimizerState {
    public static let magic: [UInt8] = Array("MOPT".utf8)
    public static let formatVersion: UInt32 = 1
    /// Magic, version and length.
    static let headerSize = 16

    /// The state in the binary form above.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        append(Self.formatVersion, to: &bytes)
        append(UInt64(0), to: &bytes)  // total length, patched below
        appendString(algorithm, to: &bytes)
        append(UInt64(step), to: &bytes)
        let parameters = slots.keys.sorted(by: Self.utf8Order)
        append(UInt32(parameters.count), to: &bytes)
        for parameter in parameters {
            let named = slots[parameter]!
            appendString(parameter, to: &bytes)
            append(UInt32(named.count), to: &bytes)
            for slot in named.keys.sorted(by: Self.utf8Order) {
                let values = named[slot]!
                appendString(slot, to: &bytes)
                append(UInt64(values.count), to: &bytes)
                #if _endian(little)
                values.withUnsafeBytes { bytes.append(contentsOf: $0) }
                #else
                for value in values { append(value.bitPattern, to: &bytes) }
                #endif
            }
        }
        let total = UInt64(bytes.count + 4)
        for k in 0..<8 { bytes[8 + k] = UInt8(truncatingIfNeeded: total >> (8 * UInt64(k))) }
        append(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    /// Reads a state written by `encoded()`.
    /// - Parameter source: what to name in errors, e.g. the snapshot file's path.
    /// - Throws: `TrainingError.malformed(path: source, offset:, reason:)` naming the problem:
    ///   not a state (magic), an unknown version, truncation or trailing bytes (against the
    ///   stored length), a checksum mismatch (corruption), or an impossible or non-canonical
    ///   field at its offset.
    public init(decoding bytes: [UInt8], source: String = "optimizer state") throws {
        func fail(_ offset: Int, _ reason: String) -> TrainingError {
            .malformed(path: source, offset: offset, reason: reason)
        }
        guard bytes.count >= Self.headerSize + 4 else {
            throw fail(bytes.count, "truncated optimizer state: \(bytes.count) bytes, the header and checksum alone take \(Self.headerSize + 4)")
        }
        guard Array(bytes[0..<4]) == Self.magic else {
            throw fail(0, "not a mirror optimizer state (magic \(Self.hex(bytes[0..<4])), expected \"MOPT\")")
        }
        var header = ByteCursor(bytes, range: 4..<Self.headerSize)
        let version = try! header.u32()
        guard version == Self.formatVersion else {
            throw fail(4, "optimizer state format version \(version); this mirror reads version \(Self.formatVersion)")
        }
        let declared = try! header.u64()
        guard declared == UInt64(bytes.count) else {
            throw declared > UInt64(bytes.count)
                ? fail(bytes.count, "truncated optimizer state: \(bytes.count) of \(declared) bytes")
                : fail(Int(declared), "\(UInt64(bytes.count) - declared) bytes after the end of the optimizer state")
        }
        let body = bytes.count - 4
        var trailer = ByteCursor(bytes, range: body..<bytes.count)
        let stored = try! trailer.u32()
        let computed = CRC32C.checksum(bytes[0..<body])
        guard stored == computed else {
            throw fail(body, "optimizer state checksum mismatch (stored 0x\(Self.hex32(stored)), computed 0x\(Self.hex32(computed))): the data is corrupt")
        }

        var cursor = ByteCursor(bytes, range: Self.headerSize..<body)
        do {
            let algorithm = try Self.readString(&cursor, what: "algorithm name", source: source)
            let stepOffset = cursor.position
            let step = try cursor.u64()
            guard step <= UInt64(Int.max) else { throw fail(stepOffset, "step \(step) out of range") }
            let parameterCount = try cursor.u32()
            var slots = [String: [String: [Float]]]()
            var previousParameter: String?
            for _ in 0..<parameterCount {
                let nameOffset = cursor.position
                let parameter = try Self.readString(&cursor, what: "parameter name", source: source)
                if let previousParameter, !Self.utf8Order(previousParameter, parameter) {
                    throw fail(nameOffset, "parameter \"\(parameter)\" out of order or repeated after \"\(previousParameter)\"")
                }
                previousParameter = parameter
                let slotCount = try cursor.u32()
                var named = [String: [Float]]()
                var previousSlot: String?
                for _ in 0..<slotCount {
                    let slotOffset = cursor.position
                    let slot = try Self.readString(&cursor, what: "slot name", source: source)
                    if let previousSlot, !Self.utf8Order(previousSlot, slot) {
                        throw fail(slotOffset, "\(parameter): slot \"\(slot)\" out of order or repeated after \"\(previousSlot)\"")
                    }
                    previousSlot = slot
                    let countOffset = cursor.position
                    let count = try cursor.u64()
                    guard count <= UInt64(cursor.remaining / 4) else {
                        throw fail(countOffset, "\(parameter)/\(slot): \(count) values do not fit in the \(cursor.remaining) bytes left")
                    }
                    let range = try cursor.range(4 * Int(count))
                    named[slot] = Self.floats(bytes, range)
                }
                slots[parameter] = named
            }
            guard cursor.isAtEnd else {
                throw fail(cursor.position, "\(cursor.remaining) unexpected bytes after the last slot")
            }
            self.init(algorithm: algorithm, step: Int(step), slots: slots)
        } catch let error as ByteCursor.OutOfBounds {
            throw fail(error.position, "optimizer state: \(error.reason)")
        }
    }

    // MARK: - Pieces

    static func utf8Order(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    private static func readString(_ cursor: inout ByteCursor, what: String, source: String) throws -> String {
        let offset = cursor.position
        let length = try cursor.u32()
        let range = try cursor.range(Int(length))
        guard let string = String(validating: cursor.bytes[range], as: UTF8.self) else {
            throw TrainingError.malformed(path: source, offset: offset, reason: "\(what) is not valid UTF-8")
        }
        return string
    }

    private static func floats(_ bytes: [UInt8], _ range: Range<Int>) -> [Float] {
        var result = [Float](repeating: 0, count: range.count / 4)
        result.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range]))
            }
        }
        #if _endian(big)
        result = result.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return result
    }

    private func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private func appendString(_ string: String, to bytes: inout [UInt8]) {
        append(UInt32(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    private static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private static func hex32(_ value: UInt32) -> String { String(value, radix: 16).leftPadded(to: 8) }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

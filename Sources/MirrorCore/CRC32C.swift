/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF,
/// as used by TensorFlow checkpoints (LevelDB block trailers and bundle entries; SPEC §6.2) and
/// as the checksum of mirror's index files.
///
/// Slicing-by-8: eight 256-entry tables fold eight input bytes per step, several times faster
/// than the byte-at-a-time loop and identical in result. Test vector:
/// `checksum("123456789") == 0xE3069283`, `mask(0xE3069283) == 0xC78AB0E5`.
public enum CRC32C {
    /// `tables[k * 256 + b]` = CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[b] = crc
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = table[(k - 1) * 256 + b]
                table[k * 256 + b] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// CRC-32C of `bytes`.
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        extend(0, bytes)
    }

    /// The CRC-32C of the concatenation of the data behind `crc` and `bytes`
    /// (`extend(checksum(a), b) == checksum(a + b)`).
    public static func extend<Bytes: Collection>(_ crc: UInt32, _ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ extend(crc, UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { extend(crc, $0) }
    }

    /// The CRC-32C of the data behind `crc` followed by `buffer`.
    public static func extend(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var state = ~crc
        var index = 0
        let count = buffer.count
        tables.withUnsafeBufferPointer { t in
            while count - index >= 8 {
                let low = buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian ^ state
                let high = buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
                state = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                state = (state >> 8) ^ t[Int((state ^ UInt32(buffer[index])) & 0xFF)]
                index += 1
            }
        }
        return ~state
    }

    private static let maskDelta: UInt32 = 0xA282_EAD8

    /// LevelDB's masked form, stored so that a CRC of data containing CRCs stays well mixed:
    /// rotate right by 15 bits, then add 0xa282ead8 (mod 2³²).
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of `mask`.
    public static func unmask(_ masked: UInt32) -> UInt32 {
        let rotated = masked &- maskDelta
        return (rotated >> 17) | (rotated << 15)
    }
}

import MirrorCore
import XCTest

/// CRC-32C against the SPEC's test vector and a bytewise reference, and the LevelDB mask.
final class CRC32CTests: XCTestCase {
    func testSpecVectorAndMask() {
        let crc = CRC32C.checksum(Array("123456789".utf8))
        XCTAssertEqual(crc, 0xE306_9283)
        XCTAssertEqual(CRC32C.mask(crc), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.unmask(0xC78A_B0E5), 0xE306_9283)
    }

    func testEmptyAndKnownVectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xFF, and an ascending run.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    }

    /// Slicing-by-8 equals the plain bit-by-bit definition for every length and alignment.
    func testSlicingMatchesBitwiseReference() {
        func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var state: UInt32 = 12345
        let data: [UInt8] = (0..<300).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                XCTAssertEqual(CRC32C.checksum(data[start..<end]), reference(data[start..<end]), "\(start)..<\(end)")
            }
        }
        // extend(crc(a), b) == crc(a + b)
        XCTAssertEqual(CRC32C.extend(CRC32C.checksum(data[0..<100]), data[100...]), CRC32C.checksum(data))
    }

    func testMaskRoundTrips() {
        for value: UInt32 in [0, 1, 0xFFFF_FFFF, 0xA282_EAD8, 0x1234_5678, 0x8000_0000] {
            XCTAssertEqual(CRC32C.unmask(CRC32C.mask(value)), value)
        }
    }
}

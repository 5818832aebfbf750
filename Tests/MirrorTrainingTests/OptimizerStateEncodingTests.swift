import MirrorCore
import MirrorTraining
import XCTest

/// The binary form of `OptimizerState`: exact layout, byte-identical round trips, and a clear
/// error for every kind of damage.
final class OptimizerStateEncodingTests: XCTestCase {
    /// Special values, an empty buffer and a non-ASCII name survive the round trip bit for bit.
    static let sample = OptimizerState(algorithm: "adam", step: 123_456_789_012, slots: [
        "res5c_branch2c/kernel": ["Adam": [1, -0.0, .infinity, Float(bitPattern: 0x7FC0_1234)], "Adam_1": [0, 0, 1e-38, 5]],
        "conv1/bias": ["Adam": [], "Adam_1": []],
        "bn_conv1/gamma·é": ["Adam": [-3.5], "Adam_1": [2]],
    ])

    func testRoundTripIsByteIdentical() throws {
        let bytes = Self.sample.encoded()
        let decoded = try OptimizerState(decoding: bytes)
        XCTAssertEqual(decoded, Self.sample)
        XCTAssertEqual(decoded.encoded(), bytes)
        XCTAssertEqual(decoded.slots["res5c_branch2c/kernel"]?["Adam"]?[3].bitPattern, 0x7FC0_1234, "NaN payload kept")
        XCTAssertEqual(decoded.slots["res5c_branch2c/kernel"]?["Adam"]?[1].sign, .minus, "−0 kept")
        // Insertion order of the dictionaries does not matter.
        var rebuilt = OptimizerState(algorithm: "adam", step: Self.sample.step, slots: [:])
        for name in Self.sample.slots.keys.sorted().reversed() {
            var named = [String: [Float]]()
            for slot in ["Adam_1", "Adam"] { named[slot] = Self.sample.slots[name]![slot] }
            rebuilt.slots[name] = named
        }
        XCTAssertEqual(rebuilt.encoded(), bytes)
    }

    /// The documented layout, byte for byte, on a one-value state.
    func testLayout() throws {
        let bytes = OptimizerState(algorithm: "momentum", step: 3, slots: ["w": ["Momentum": [1]]]).encoded()
        var expected: [UInt8] = Array("MOPT".utf8) + [1, 0, 0, 0] + [77, 0, 0, 0, 0, 0, 0, 0]
        expected += [8, 0, 0, 0] + Array("momentum".utf8) + [3, 0, 0, 0, 0, 0, 0, 0]
        expected += [1, 0, 0, 0] + [1, 0, 0, 0] + Array("w".utf8) + [1, 0, 0, 0]
        expected += [8, 0, 0, 0] + Array("Momentum".utf8) + [1, 0, 0, 0, 0, 0, 0, 0] + [0x00, 0x00, 0x80, 0x3F]
        let crc = CRC32C.checksum(expected)
        expected += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
        XCTAssertEqual(bytes, expected)
    }

    private func reason(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> (offset: Int, reason: String)? {
        do {
            _ = try OptimizerState(decoding: bytes, source: "snap/model-40.state")
            XCTFail("decoded damaged state", file: file, line: line)
        } catch let TrainingError.malformed(path, offset, reason) {
            XCTAssertEqual(path, "snap/model-40.state", file: file, line: line)
            return (offset, reason)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    func testTruncationIsReportedAsSuch() {
        let bytes = Self.sample.encoded()
        for length in [0, 3, 15, 19, 20, 21, bytes.count / 2, bytes.count - 4, bytes.count - 1] {
            guard let (offset, reason) = reason(Array(bytes.prefix(length))) else { continue }
            XCTAssertTrue(reason.hasPrefix("truncated optimizer state"), "length \(length): \(reason)")
            XCTAssertEqual(offset, length)
            if length >= 20 { XCTAssertTrue(reason.contains("\(length) of \(bytes.count) bytes"), reason) }
        }
        XCTAssertTrue(reason(bytes + [0])?.reason.contains("1 bytes after the end") ?? false)
    }

    /// Every single flipped byte is caught, and the message says what kind of damage it is.
    func testEveryFlippedByteIsDetected() {
        let bytes = Self.sample.encoded()
        for position in bytes.indices {
            var damaged = bytes
            damaged[position] ^= 0x10
            guard let (_, reason) = reason(damaged) else { continue }
            switch position {
            case 0..<4: XCTAssertTrue(reason.hasPrefix("not a mirror optimizer state"), reason)
            case 4..<8: XCTAssertTrue(reason.contains("format version"), reason)
            case 8..<16: XCTAssertTrue(reason.hasPrefix("truncated") || reason.contains("after the end"), reason)
            default: XCTAssertTrue(reason.contains("checksum mismatch"), "byte \(position): \(reason)")
            }
        }
    }

    /// Damage that keeps a valid checksum (a buggy writer): non-canonical order, impossible
    /// counts and bad UTF-8 are refused at their offsets.
    func testStructuralErrorsBehindAValidChecksum() {
        func sealed(_ body: [UInt8]) -> [UInt8] {
            let total = UInt64(16 + body.count + 4)
            var bytes = Array("MOPT".utf8) + [1, 0, 0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: total >> (8 * UInt64($0))) }
            bytes += body
            let crc = CRC32C.checksum(bytes)
            return bytes + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
        }
        func string(_ s: String) -> [UInt8] { [UInt8(s.utf8.count), 0, 0, 0] + Array(s.utf8) }
        let head = string("momentum") + [0, 0, 0, 0, 0, 0, 0, 0]
        func parameter(_ name: String, values: Int) -> [UInt8] {
            string(name) + [1, 0, 0, 0] + string("Momentum") + [UInt8(values), 0, 0, 0, 0, 0, 0, 0]
                + [UInt8](repeating: 0, count: 4 * values)
        }
        let outOfOrder = sealed(head + [2, 0, 0, 0] + parameter("b", values: 1) + parameter("a", values: 1))
        XCTAssertTrue(reason(outOfOrder)?.reason.contains("parameter \"a\" out of order or repeated after \"b\"") ?? false)
        let repeated = sealed(head + [2, 0, 0, 0] + parameter("a", values: 1) + parameter("a", values: 1))
        XCTAssertTrue(reason(repeated)?.reason.contains("out of order or repeated") ?? false)
        let tooMany = sealed(head + [1, 0, 0, 0] + string("a") + [1, 0, 0, 0] + string("Momentum") + [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(reason(tooMany)?.reason.contains("65535 values do not fit") ?? false)
        let badName = sealed(string("momentum").dropLast(1) + [0xFF] + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(reason(badName)?.reason, "algorithm name is not valid UTF-8")
        let extra = sealed(head + [0, 0, 0, 0] + [7])
        XCTAssertEqual(reason(extra)?.reason, "1 unexpected bytes after the last slot")
        let missing = sealed(head + [1, 0, 0, 0])
        XCTAssertTrue(reason(missing)?.reason.hasPrefix("optimizer state: 4-byte integer needs 4 bytes") ?? false)
        XCTAssertEqual(try OptimizerState(decoding: sealed(head + [0, 0, 0, 0])).slots.count, 0)
    }

    func testErrorDescriptionNamesTheFile() {
        var bytes = Self.sample.encoded()
        bytes[40] ^= 1
        XCTAssertThrowsError(try OptimizerState(decoding: bytes, source: "run/snapshot-1000.state")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("run/snapshot-1000.state: at byte \(bytes.count - 4): "))
        }
    }
}

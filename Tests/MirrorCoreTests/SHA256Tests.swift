import Foundation
import MirrorCore
import TestSupport
import XCTest

/// SHA-256 against the FIPS 180-2 example digests and against digests computed by Python's
/// hashlib (Fixtures/scripts/make_sha256_vectors.py), never against values from this code.
final class SHA256Tests: XCTestCase {
    private func hex(_ message: some Collection<UInt8>) -> String { SHA256.hex(SHA256.hash(message)) }

    func testFIPSExampleMessages() {
        XCTAssertEqual(hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let twoBlocks = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(hex(Array(twoBlocks.utf8)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionAsFedInUnevenPieces() {
        var hasher = SHA256()
        var remaining = 1_000_000
        var piece = 1
        while remaining > 0 {
            let n = min(piece, remaining)
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            remaining -= n
            piece = piece * 3 % 1009 + 1
        }
        XCTAssertEqual(SHA256.hex(hasher.finalize()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testDigestsComputedByHashlib() throws {
        let url = TestPaths.fixtures.appendingPathComponent("sha256/vectors.tsv")
        let table = try String(contentsOf: url, encoding: .utf8)
        var checked = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            let length = try XCTUnwrap(Int(fields[0])), seed = try XCTUnwrap(Int(fields[1]))
            let message = (0..<length).map { i in UInt8((i * i * 31 + i * 7 + seed * 131 + length) % 251) }
            XCTAssertEqual(hex(message), fields[2], "length \(length)")
            // Incremental hashing split at every awkward point gives the same digest.
            for split in Set([0, 1, 55, 63, 64, 65, length / 2, length]) where split <= length {
                var hasher = SHA256()
                hasher.update(message[0..<split])
                hasher.update(message[split...])
                XCTAssertEqual(SHA256.hex(hasher.finalize()), fields[2], "length \(length) split \(split)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 27)
    }

    func testFinalizeLeavesTheHasherUsable() {
        var hasher = SHA256()
        hasher.update(Array("ab".utf8))
        XCTAssertEqual(hasher.finalize(), hasher.finalize())
        hasher.update(Array("c".utf8))
        XCTAssertEqual(SHA256.hex(hasher.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testNonContiguousCollectionsAndRawBuffers() {
        let message = Array("abc".utf8)
        XCTAssertEqual(SHA256.hash(message.lazy.map { $0 }), SHA256.hash(message))
        var hasher = SHA256()
        message.withUnsafeBytes { hasher.update($0) }
        XCTAssertEqual(hasher.finalize(), SHA256.hash(message))
        XCTAssertEqual(SHA256.hex([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
    }
}

import Foundation
@testable import MirrorModels
import MirrorCore
import TestSupport
import XCTest

/// Malicious, unsupported and corrupt `.pth` files: each is refused with a `TorchError` naming
/// the file, nothing from the file is executed, and no input traps.
final class TorchStateDictCorruptionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory("mirror-pth") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func write(_ bytes: [UInt8], _ name: String = "model.pth") throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func assertLoadFails(_ path: String, line: UInt = #line, _ expected: TorchError) {
        XCTAssertThrowsError(try TorchStateDict.load(path), line: line) {
            XCTAssertEqual($0 as? TorchError, expected, line: line)
        }
    }

    private let twoFloats: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]  // [1, -2]

    func testHandWrittenFilesLoad() throws {
        let entry = TorchFileBuilder.tensor(key: "k", numel: 2, shape: [2], strides: [1], legacy: true)
        let legacy = try write(TorchFileBuilder.legacyFile(dict: TorchFileBuilder.stateDictPickle([("w", entry)]),
                                                           storages: [("k", 2, twoFloats)]), "legacy.pth")
        XCTAssertEqual(try TorchStateDict.load(legacy).tensor(named: "w").data, [1, -2])

        let pickle = TorchFileBuilder.stateDictPickle([("w", TorchFileBuilder.tensor(key: "0", numel: 2, offset: 1, shape: [1], strides: [1], legacy: false))])
        let zip = try write(TorchFileBuilder.zip([("anything/data.pkl", pickle, 0), ("anything/data/0", twoFloats, 0)]), "zip.pth")
        XCTAssertEqual(try TorchStateDict.load(zip).tensor(named: "w").data, [-2])
    }

    func testOsSystemGlobalIsRefusedBeforeAnythingRuns() throws {
        // cos\nsystem\n (X 'touch /tmp/pwned' tR. — the classic pickle exploit, as a legacy file.
        let exploit: [UInt8] = [0x80, 0x02] + TorchFileBuilder.global("os", "system")
            + [0x28] + TorchFileBuilder.string("touch \(directory.path)/pwned") + [0x74, 0x52, 0x2E]
        let path = try write(exploit)
        assertLoadFails(path, .disallowedGlobal(path: path, module: "os", name: "system"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path + "/pwned"))

        // The same inside a zip's data.pkl, via STACK_GLOBAL.
        let stackGlobal: [UInt8] = [0x80, 0x04] + TorchFileBuilder.string("builtins") + TorchFileBuilder.string("eval")
            + [0x93] + TorchFileBuilder.string("1") + [0x85, 0x52, 0x2E]
        let zip = try write(TorchFileBuilder.zip([("m/data.pkl", stackGlobal, 0)]), "evil.pth")
        assertLoadFails(zip, .disallowedGlobal(path: zip, module: "builtins", name: "eval"))
        XCTAssertTrue(TorchError.disallowedGlobal(path: zip, module: "builtins", name: "eval").description.contains(zip))
    }

    func testAllowListedButUncallableGlobalsAndUnsupportedOpcodes() throws {
        let callStorage: [UInt8] = [0x80, 0x02] + TorchFileBuilder.global("torch", "FloatStorage") + [0x29, 0x52, 0x2E]
        let path = try write(TorchFileBuilder.zip([("m/data.pkl", callStorage, 0)]))
        XCTAssertThrowsError(try TorchStateDict.load(path)) {
            guard case .malformedPickle(path, _, let reason)? = $0 as? TorchError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("cannot be called"), reason)
        }
        let inst: [UInt8] = [0x80, 0x02, 0x69] + Array("os\nsystem\n".utf8) + [0x2E]  // INST
        let instPath = try write(inst, "inst.pth")
        assertLoadFails(instPath, .unsupportedOpcode(path: instPath, opcode: 0x69, offset: 2))
    }

    func testZipProblems() throws {
        let pickle = TorchFileBuilder.stateDictPickle([("w", TorchFileBuilder.tensor(key: "0", numel: 2, shape: [2], strides: [1], legacy: false))])
        let deflated = try write(TorchFileBuilder.zip([("m/data.pkl", pickle, 8)]), "deflated.pth")
        assertLoadFails(deflated, .compressedEntry(path: deflated, entry: "m/data.pkl", method: 8))

        let noPickle = try write(TorchFileBuilder.zip([("m/version", [0x33], 0)]), "nopickle.pth")
        assertLoadFails(noPickle, .missingEntry(path: noPickle, entry: "*/data.pkl"))

        let noStorage = try write(TorchFileBuilder.zip([("m/data.pkl", pickle, 0)]), "nostorage.pth")
        assertLoadFails(noStorage, .missingEntry(path: noStorage, entry: "m/data/0"))

        let wrongSize = try write(TorchFileBuilder.zip([("m/data.pkl", pickle, 0), ("m/data/0", [1, 2, 3], 0)]), "size.pth")
        assertLoadFails(wrongSize, .badStorage(path: wrongSize, key: "0", reason: "3 bytes for 2 float32 elements"))

        let good = try AtomicFile.read(CheckpointFixtures.path("torch_zip/zip_sd.pth"))
        let truncated = try write(Array(good.prefix(good.count - 30)), "truncated.pth")
        XCTAssertThrowsError(try TorchStateDict.load(truncated)) {
            guard case .malformedZip(truncated, _)? = $0 as? TorchError else { return XCTFail("\($0)") }
        }

        let bigEndian = try write(TorchFileBuilder.zip([("m/data.pkl", pickle, 0), ("m/byteorder", Array("big".utf8), 0)]), "be.pth")
        assertLoadFails(bigEndian, .bigEndian(path: bigEndian))

        assertLoadFails(try write(Array("hello".utf8), "text.pth"),
                        .notAStateDict(path: directory.path + "/text.pth", reason: "neither a ZIP archive (PK\\x03\\x04) nor a legacy pickle (\\x80\\x02)"))
    }

    func testFlippedStorageByteFailsTheZipChecksum() throws {
        let path = try write(AtomicFile.read(CheckpointFixtures.path("torch_zip/zip_sd.pth")))
        let archive = try ZipArchive(file: RandomAccessFile(path: path))
        let member = try XCTUnwrap(archive.entry(named: "zip_sd/data/0"))
        var bytes = try AtomicFile.read(path)
        bytes[try archive.dataRange(of: member).lowerBound + 5] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let dict = try TorchStateDict.load(path)  // data.pkl is intact
        XCTAssertThrowsError(try dict.tensor(named: "0.weight")) {
            guard case .zipChecksumMismatch(path, "zip_sd/data/0", _, _)? = $0 as? TorchError else { return XCTFail("\($0)") }
            XCTAssertTrue("\($0)".contains("flipped byte"))
        }
        XCTAssertNoThrow(try dict.tensor(named: "1.weight"))
    }

    func testLegacyProblems() throws {
        let entry = TorchFileBuilder.tensor(key: "k", numel: 2, shape: [3], strides: [1], legacy: true)
        let dict = TorchFileBuilder.stateDictPickle([("w", entry)])
        let overreach = try write(TorchFileBuilder.legacyFile(dict: dict, storages: [("k", 2, twoFloats)]), "view.pth")
        let loaded = try TorchStateDict.load(overreach)
        XCTAssertThrowsError(try loaded.tensor(named: "w")) {
            guard case .viewOutOfBounds(overreach, "w", _)? = $0 as? TorchError else { return XCTFail("\($0)") }
        }

        // Broadcast views may repeat elements, but not without bound.
        let huge = TorchFileBuilder.tensor(key: "k", numel: 2, shape: [1 << 20, 1 << 20], strides: [0, 0], legacy: true)
        let hugePath = try write(TorchFileBuilder.legacyFile(dict: TorchFileBuilder.stateDictPickle([("w", huge)]),
                                                             storages: [("k", 2, twoFloats)]), "huge.pth")
        XCTAssertThrowsError(try TorchStateDict.load(hugePath).tensor(named: "w")) {
            guard case .viewOutOfBounds(hugePath, "w", let reason)? = $0 as? TorchError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("expand"), reason)
        }

        let badMagic = Array(TorchFileBuilder.legacyMagic.prefix(4)) + [0x6D] + Array(TorchFileBuilder.legacyMagic.dropFirst(5))
        let magicPath = try write(TorchFileBuilder.legacyFile(dict: dict, storages: [("k", 2, twoFloats)], magic: badMagic), "magic.pth")
        assertLoadFails(magicPath, .malformedLegacyFile(path: magicPath, reason: "bad magic number (expected 0x1950a86a20f9469cfc6c)"))

        let bigEndian = try write(TorchFileBuilder.legacyFile(dict: dict, storages: [("k", 2, twoFloats)], littleEndian: false), "be.pth")
        assertLoadFails(bigEndian, .bigEndian(path: bigEndian))

        let vast = TorchFileBuilder.stateDictPickle([("w", TorchFileBuilder.tensor(key: "k", numel: 1 << 62, shape: [2], strides: [1], legacy: true))])
        let vastPath = try write(TorchFileBuilder.legacyFile(dict: vast, storages: [("k", 1 << 62, twoFloats)]), "vast.pth")
        assertLoadFails(vastPath, .badStorage(path: vastPath, key: "k", reason: "\(1 << 62) elements overflow"))
        let vastZip = try write(TorchFileBuilder.zip([("m/data.pkl", vast, 0), ("m/data/k", twoFloats, 0)]), "vast-zip.pth")
        assertLoadFails(vastZip, .badStorage(path: vastZip, key: "k", reason: "8 bytes for \(1 << 62) float32 elements"))

        let wrongCount = try write(TorchFileBuilder.legacyFile(dict: dict, storages: [("k", 3, twoFloats)]), "count.pth")
        assertLoadFails(wrongCount, .badStorage(path: wrongCount, key: "k", reason: "the file says 3 elements, the pickle 2"))

        let good = try AtomicFile.read(CheckpointFixtures.path("torch_legacy/legacy_sd.pth"))
        let truncated = try write(Array(good.dropLast(3)), "truncated.pth")
        XCTAssertThrowsError(try TorchStateDict.load(truncated)) {
            guard case .badStorage(truncated, _, let reason)? = $0 as? TorchError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("truncated"), reason)
        }

        let notDict = try write(TorchFileBuilder.legacyFile(dict: [0x80, 0x02, 0x4E, 0x2E], storages: []), "none.pth")
        assertLoadFails(notDict, .notAStateDict(path: notDict, reason: "the pickle holds a None, not a dict"))
    }

    func testNonTensorValuesAreListedSeparately() throws {
        let entry = TorchFileBuilder.tensor(key: "k", numel: 2, shape: [2], strides: [1], legacy: true)
        let dict = TorchFileBuilder.stateDictPickle([("w", entry), ("epoch", TorchFileBuilder.int(3))])
        let path = try write(TorchFileBuilder.legacyFile(dict: dict, storages: [("k", 2, twoFloats)]))
        let loaded = try TorchStateDict.load(path)
        XCTAssertEqual(loaded.listTensors().map(\.name), ["w"])
        XCTAssertEqual(loaded.nonTensorKeys, ["epoch"])
    }

    /// Random mutations of the legacy fixture (which has no checksums) load or throw, never trap.
    func testMangledLegacyFilesNeverCrash() throws {
        let good = try AtomicFile.read(CheckpointFixtures.path("torch_legacy/legacy_sd.pth"))
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        var loadedTensors = 0, thrown = 0
        for trial in 0..<200 {
            var bytes = good
            if trial % 5 == 0 {
                bytes = Array(bytes.prefix(next() % bytes.count))
            } else {
                for _ in 0..<(1 + trial % 3) { bytes[next() % 2200] = UInt8(truncatingIfNeeded: next()) }  // mostly pickles
            }
            let path = try write(bytes, "fuzz.pth")
            do {
                let dict = try TorchStateDict.load(path)
                for info in dict.listTensors() {
                    if (try? dict.tensor(named: info.name)) != nil { loadedTensors += 1 }
                }
            } catch is TorchError {
                thrown += 1
            }
        }
        XCTAssertGreaterThan(thrown, 40)
        XCTAssertGreaterThan(loadedTensors, 0)
    }
}

extension TorchStateDictCorruptionTests {
    /// A pickle nesting 400,000 tuples (or self-referencing lists) is refused without
    /// overflowing the stack when the values are released.
    func testDeeplyNestedPicklesDoNotOverflowTheStack() throws {
        let depth = 400_000
        let tuples: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: depth) + [0x2E]
        let path = try write(TorchFileBuilder.zip([("m/data.pkl", tuples, 0)]), "tuples.pth")
        assertLoadFails(path, .notAStateDict(path: path, reason: "the pickle holds a tuple, not a dict"))

        // list_k appended into list_{k-1} through the memo: nesting grows while each step is local.
        var lists: [UInt8] = [0x80, 0x02, 0x5D, 0x94, 0x30]  // EMPTY_LIST, MEMOIZE (memo 0), POP
        for k in 1..<100_000 {
            lists += [0x6A] + TorchFileBuilder.u32(k - 1) + [0x5D, 0x94, 0x61, 0x30]  // LONG_BINGET k-1, EMPTY_LIST, MEMOIZE, APPEND, POP
        }
        lists += [0x6A] + TorchFileBuilder.u32(0) + [0x2E]
        let listPath = try write(TorchFileBuilder.zip([("m/data.pkl", lists, 0)]), "lists.pth")
        assertLoadFails(listPath, .notAStateDict(path: listPath, reason: "the pickle holds a list, not a dict"))
    }
}

import Foundation
@testable import MirrorModels
import MirrorCore
import TestSupport
import XCTest

/// Corrupt and unusual TensorFlow checkpoints: each failure is a typed error naming the file,
/// and no input, however mangled, crashes the reader.
final class TFCheckpointCorruptionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory("mirror-ckpt")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `index` (and a data shard with `data`) as `<dir>/<name>` and returns the prefix.
    private func write(_ index: [UInt8], data: [UInt8] = [], name: String = "ckpt", shards: Int = 1) throws -> String {
        let prefix = directory.appendingPathComponent(name).path
        try Data(index).write(to: URL(fileURLWithPath: prefix + ".index"))
        for shard in 0..<shards {
            let path = TFShardNames.dataPath(prefix: prefix, shard: shard, shardCount: shards)
            try Data(shard == 0 ? data : []).write(to: URL(fileURLWithPath: path))
        }
        return prefix
    }

    private func assertOpenFails(_ prefix: String, file: StaticString = #filePath, line: UInt = #line,
                                 _ check: (TFCheckpointError) -> Void) {
        XCTAssertThrowsError(try TFCheckpoint.open(prefix), file: file, line: line) { error in
            guard let error = error as? TFCheckpointError else { return XCTFail("\(error)", file: file, line: line) }
            check(error)
        }
    }

    /// A valid one-tensor checkpoint: "w" float [2] = [1, -2].
    private func validBuilder(data: [UInt8]) -> TFIndexBuilder {
        var builder = TFIndexBuilder()
        builder.add("", TFIndexBuilder.header())
        builder.add("w", TFIndexBuilder.entry(shape: [2], size: 8, crc: CRC32C.mask(CRC32C.checksum(data))))
        return builder
    }

    private let wData: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]

    func testBuilderWritesAReadableCheckpoint() throws {
        let checkpoint = try TFCheckpoint.open(write(validBuilder(data: wData).build(), data: wData))
        XCTAssertEqual(try checkpoint.tensor(named: "w").data, [1, -2])

        // Many blocks and short restart intervals: keys still come back whole and in order.
        var many = TFIndexBuilder()
        many.entriesPerBlock = 7
        many.restartInterval = 3
        many.add("", TFIndexBuilder.header())
        let names = (0..<40).map { "layer_\($0 / 10)/sub_\($0 % 10)/kernel" }.sorted()
        for name in names { many.add(name, TFIndexBuilder.entry(shape: [2], size: 8, crc: CRC32C.mask(CRC32C.checksum(wData)))) }
        let manyCheckpoint = try TFCheckpoint.open(write(many.build(), data: wData, name: "many"))
        XCTAssertEqual(manyCheckpoint.indexBlockCount, 6)
        XCTAssertEqual(manyCheckpoint.listTensors().map(\.name), names)
        XCTAssertEqual(try manyCheckpoint.tensor(named: names[33]).data, [1, -2])
    }

    func testTruncatedIndexAndBadMagic() throws {
        let good = try AtomicFile.read(CheckpointFixtures.path("tf_worked_example/model.ckpt.index"))
        let short = try write(Array(good.prefix(30)))
        assertOpenFails(short) { XCTAssertEqual($0, .truncatedIndex(path: short + ".index", length: 30)) }

        let cut = try write(Array(good.dropLast()), name: "cut")
        assertOpenFails(cut) {
            guard case .badFooterMagic(let path, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, cut + ".index")
            XCTAssertTrue($0.description.contains("truncated"), $0.description)
        }

        var wrong = good
        wrong[wrong.count - 1] = 0xDC
        let wrongPrefix = try write(wrong, name: "wrong")
        assertOpenFails(wrongPrefix) {
            XCTAssertEqual($0, .badFooterMagic(path: wrongPrefix + ".index", found: 0xDC47_7524_8B80_FB57))
        }
    }

    func testFlippedIndexByteFailsTheBlockChecksum() throws {
        var bytes = try AtomicFile.read(CheckpointFixtures.path("tf_worked_example/model.ckpt.index"))
        bytes[20] ^= 0x01  // inside "bn_conv1/beta" in the data block at offset 0
        let prefix = try write(bytes)
        assertOpenFails(prefix) {
            guard case .blockChecksumMismatch(let path, let offset, _, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, prefix + ".index")
            XCTAssertEqual(offset, 0)
        }
    }

    func testBlockHandlePastTheEnd() throws {
        var bytes = validBuilder(data: wData).build()
        let footer = bytes.count - 48
        // Rewrite the footer with an index handle whose size overruns the file.
        let metaindex = try TFIndexTable.footer(of: bytes, path: "").metaindex
        let handles = TFIndexBuilder.varint(UInt64(metaindex.offset)) + TFIndexBuilder.varint(UInt64(metaindex.size))
            + TFIndexBuilder.varint(10) + TFIndexBuilder.varint(100_000)
        bytes.replaceSubrange(footer..<footer + 40, with: handles + [UInt8](repeating: 0, count: 40 - handles.count))
        let prefix = try write(bytes)
        assertOpenFails(prefix) {
            XCTAssertEqual($0, .blockOutOfBounds(path: prefix + ".index", offset: 10, size: 100_000, fileLength: bytes.count))
        }
    }

    func testCompressedBlockIsRejected() throws {
        var builder = validBuilder(data: wData)
        builder.compression = 1  // snappy, with a correct CRC
        let bytes = builder.build()
        let prefix = try write(bytes, data: wData)
        let firstChecked = try TFIndexTable.footer(of: bytes, path: "").metaindex.offset
        assertOpenFails(prefix) {
            XCTAssertEqual($0, .compressedBlock(path: prefix + ".index", blockOffset: firstChecked, compression: 1))
        }
    }

    func testBigEndianHeaderIsRejected() throws {
        var builder = TFIndexBuilder()
        builder.add("", TFIndexBuilder.header(bigEndian: true))
        let prefix = try write(builder.build())
        assertOpenFails(prefix) { XCTAssertEqual($0, .bigEndian(path: prefix + ".index")) }
    }

    func testStructuralProblemsAreMalformedIndex() throws {
        func expectMalformed(_ builder: TFIndexBuilder, _ fragment: String, line: UInt = #line) throws {
            let prefix = try write(builder.build(), data: wData, name: "m\(line)")
            assertOpenFails(prefix, line: line) {
                guard case .malformedIndex(let path, let reason) = $0 else { return XCTFail("\($0)", line: line) }
                XCTAssertEqual(path, prefix + ".index", line: line)
                XCTAssertTrue(reason.contains(fragment), reason, line: line)
            }
        }
        var unsorted = validBuilder(data: wData)
        unsorted.add("a", TFIndexBuilder.entry(shape: [], size: 4, crc: 0))
        try expectMalformed(unsorted, "ascending")

        var noHeader = TFIndexBuilder()
        noHeader.add("w", TFIndexBuilder.entry(shape: [2], size: 8, crc: 0))
        try expectMalformed(noHeader, "header")

        var badShard = TFIndexBuilder()
        badShard.add("", TFIndexBuilder.header())
        badShard.add("w", TFIndexBuilder.entry(shape: [2], shard: 3, size: 8, crc: 0))
        try expectMalformed(badShard, "shard 3 of 1")

        var negativeDim = TFIndexBuilder()
        negativeDim.add("", TFIndexBuilder.header())
        negativeDim.add("w", TFIndexBuilder.entry(shape: [-1], size: 8, crc: 0))
        try expectMalformed(negativeDim, "dimension")

        var badProto = TFIndexBuilder()
        badProto.add("", TFIndexBuilder.header())
        badProto.add("w", [0x08, 0x81])  // varint running off the end of the value
        try expectMalformed(badProto, "BundleEntryProto for 'w'")
    }

    func testEntryProblemsSurfaceWhenLoading() throws {
        var builder = TFIndexBuilder()
        builder.add("", TFIndexBuilder.header())
        builder.add("big", TFIndexBuilder.entry(shape: [4], offset: 4, size: 16, crc: 0))
        builder.add("part", TFIndexBuilder.entry(shape: [2], size: 0, crc: 0, slices: 2))
        builder.add("short", TFIndexBuilder.entry(shape: [3], size: 8, crc: 0))
        builder.add("str", TFIndexBuilder.entry(dtype: 7, shape: [1], size: 8, crc: 0))
        builder.add("vast", TFIndexBuilder.entry(shape: [1 << 40, 1 << 40], size: 8, crc: 0))
        builder.add("weird", TFIndexBuilder.entry(dtype: 8, shape: [1], size: 8, crc: 0))
        let prefix = try write(builder.build(), data: wData)
        let checkpoint = try TFCheckpoint.open(prefix)
        let dataPath = prefix + ".data-00000-of-00001"
        XCTAssertThrowsError(try checkpoint.tensor(named: "big")) {
            XCTAssertEqual($0 as? TFCheckpointError, .tensorOutOfBounds(path: dataPath, name: "big", offset: 4, size: 16, fileLength: 8))
        }
        XCTAssertThrowsError(try checkpoint.tensor(named: "part")) {
            XCTAssertEqual($0 as? TFCheckpointError, .partitionedTensor(path: prefix + ".index", name: "part"))
        }
        XCTAssertThrowsError(try checkpoint.tensor(named: "short")) {
            XCTAssertEqual($0 as? TFCheckpointError, .sizeMismatch(path: prefix + ".index", name: "short", expectedBytes: 12, storedBytes: 8))
        }
        XCTAssertThrowsError(try checkpoint.strings(named: "str")) {  // bytes are floats, not a length table
            guard case .malformedStringTensor(let path, "str", _)? = $0 as? TFCheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, dataPath)
        }
        XCTAssertThrowsError(try checkpoint.tensor(named: "vast")) {  // element count overflows Int
            XCTAssertEqual($0 as? TFCheckpointError, .sizeMismatch(path: prefix + ".index", name: "vast", expectedBytes: -1, storedBytes: 8))
        }
        XCTAssertEqual(try checkpoint.info(named: "weird").dtype, .other("DataType 8"))
        XCTAssertThrowsError(try checkpoint.tensor(named: "weird")) {
            XCTAssertEqual($0 as? TFCheckpointError, .notNumeric(path: prefix + ".index", name: "weird", dtype: .other("DataType 8")))
        }
    }

    func testFlippedDataByteNamesTheShardAndTensor() throws {
        let copy = try CheckpointFixtures.temporaryCopy(of: "tf_resnet50_thin")
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let dataPath = copy.appendingPathComponent("model.ckpt-720000.data-00000-of-00001").path
        var data = try AtomicFile.read(dataPath)
        data[1000] ^= 0x20
        try AtomicFile.write(data, to: dataPath)
        let checkpoint = try TFCheckpoint.open(copy.path)
        var failures: [String] = []
        for info in checkpoint.listTensors() {
            do {
                _ = try checkpoint.tensor(named: info.name)
            } catch let error as TFCheckpointError {
                guard case .tensorChecksumMismatch(let path, let name, let stored, let computed) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, dataPath)
                XCTAssertNotEqual(stored, computed)
                XCTAssertTrue(error.description.contains("flipped byte"), error.description)
                XCTAssertTrue(error.description.contains(name), error.description)
                failures.append(name)
            }
        }
        XCTAssertEqual(failures.count, 1, "exactly the tensor holding byte 1000: \(failures)")
    }

    func testTruncatedDataFileAndMissingShard() throws {
        let copy = try CheckpointFixtures.temporaryCopy(of: "tf_sharded")
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let prefix = copy.appendingPathComponent("sharded").path
        let shard0 = prefix + ".data-00000-of-00003"
        let data = try AtomicFile.read(shard0)
        try AtomicFile.write(Array(data.prefix(data.count / 2)), to: shard0)
        let checkpoint = try TFCheckpoint.open(prefix)
        var outOfBounds = 0
        for info in checkpoint.listTensors() {
            do { _ = try checkpoint.tensor(named: info.name) } catch let error as TFCheckpointError {
                guard case .tensorOutOfBounds(let path, _, _, _, let length) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, shard0)
                XCTAssertEqual(length, data.count / 2)
                outOfBounds += 1
            }
        }
        XCTAssertGreaterThan(outOfBounds, 0)

        let shard1 = prefix + ".data-00001-of-00003"
        try FileManager.default.removeItem(atPath: shard1)
        assertOpenFails(prefix) {
            XCTAssertEqual($0, .missingShard(path: shard1, shard: 1, shardCount: 3))
            XCTAssertTrue($0.description.contains("sharded.data-00001-of-00003"), $0.description)
        }
    }

    func testCorruptStringTensor() throws {
        let copy = try CheckpointFixtures.temporaryCopy(of: "tf_worked_example")
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let dataPath = copy.appendingPathComponent("model.ckpt.data-00000-of-00001").path
        var data = try AtomicFile.read(dataPath)
        data[data.count - 1] ^= 0x01  // last byte of "mirror" in zz_str
        try AtomicFile.write(data, to: dataPath)
        let checkpoint = try TFCheckpoint.open(copy.path)
        XCTAssertThrowsError(try checkpoint.strings(named: "zz_str")) {
            guard case .tensorChecksumMismatch(dataPath, "zz_str", _, _)? = $0 as? TFCheckpointError else { return XCTFail("\($0)") }
        }
        data[data.count - 1] ^= 0x01
        data[data.count - 7] ^= 0x01  // the masked CRC of the length table
        try AtomicFile.write(data, to: dataPath)
        XCTAssertThrowsError(try TFCheckpoint.open(copy.path).strings(named: "zz_str")) {
            guard case .malformedStringTensor(dataPath, "zz_str", _)? = $0 as? TFCheckpointError else { return XCTFail("\($0)") }
        }
    }

    /// Random byte flips and truncations of a real index either still parse or throw
    /// `TFCheckpointError`; none may trap.
    func testMangledIndexesNeverCrash() throws {
        let good = try AtomicFile.read(CheckpointFixtures.path("tf_worked_example/model.ckpt.index"))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        let prefix = try write(good, data: AtomicFile.read(CheckpointFixtures.path("tf_worked_example/model.ckpt.data-00000-of-00001")))
        var thrown = 0
        for trial in 0..<400 {
            var bytes = good
            if trial % 4 == 0 {
                bytes = Array(bytes.prefix(next() % bytes.count))
            } else {
                for _ in 0..<(1 + trial % 3) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            }
            // Re-sign the blocks half the time so that parsing goes past the CRC checks.
            if trial % 2 == 1, bytes.count == good.count { bytes = resignBlocks(bytes) }
            do {
                let checkpoint = try TFCheckpoint(prefix: prefix, indexBytes: bytes)
                for info in checkpoint.listTensors() {
                    _ = try? checkpoint.tensor(named: info.name)
                    _ = try? checkpoint.strings(named: info.name)
                }
            } catch is TFCheckpointError {
                thrown += 1
            }
        }
        XCTAssertGreaterThan(thrown, 100)
    }

    /// Recomputes the trailer CRCs of the worked example's three blocks at their original places.
    private func resignBlocks(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for (offset, size) in [(0, 252), (257, 8), (270, 15)] where offset + size + 5 <= bytes.count {
            let crc = CRC32C.mask(CRC32C.checksum(bytes[offset...offset + size]))
            bytes.replaceSubrange(offset + size + 1..<offset + size + 5, with: TFIndexBuilder.u32(crc))
        }
        return bytes
    }
}

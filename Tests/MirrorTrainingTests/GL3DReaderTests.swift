import Foundation
@testable import MirrorTraining
import XCTest

final class GL3DReaderTests: XCTestCase {
    typealias Record = GL3DFileBuilder.Record

    static let imageLines = (0 ..< 8).map { "scene\($0 / 3)/img\($0).jpg" }

    /// Three datasets; the last record has no negatives (accepted, see `GL3DTrainList`).
    static let datasets: [[Record]] = [
        [Record(anchor: 0, positives: [1, 2], negatives: [5]), Record(anchor: 1, positives: [0], negatives: [6, 7])],
        [Record(anchor: 5, positives: [6], negatives: [0, 1, 2])],
        [Record(anchor: 3, positives: [4], negatives: [])],
    ]

    private func withRoot(_ binary: [UInt8], lines: [String] = imageLines,
                          _ body: (GL3DRoot) throws -> Void) throws {
        let root = try GL3DRoot(imageLines: lines, binary: binary)
        defer { root.remove() }
        try body(root)
    }

    /// Reads the set and expects `.malformed` at `offset` with `reasonPart` in its reason.
    private func expectMalformed(_ binary: [UInt8], offset: Int, _ reasonPart: String,
                                 lines: [String] = imageLines, file: StaticString = #filePath, line: UInt = #line) throws {
        try withRoot(binary, lines: lines) { root in
            XCTAssertThrowsError(try TrainingSet.gl3d(root: root.root.path), file: file, line: line) { error in
                guard case let TrainingError.malformed(path, at, reason) = error else {
                    return XCTFail("expected .malformed, got \(error)", file: file, line: line)
                }
                XCTAssertEqual(path, root.binaryPath, file: file, line: line)
                XCTAssertEqual(at, offset, "reason: \(reason)", file: file, line: line)
                XCTAssertTrue(reason.contains(reasonPart), "'\(reason)' lacks '\(reasonPart)'", file: file, line: line)
            }
        }
    }

    func testThreeDatasetsRoundTripExactly() throws {
        let builder = GL3DFileBuilder(datasets: Self.datasets)
        XCTAssertEqual(builder["end"], 2068, "layout of the hand-computed offsets below")
        try withRoot(builder.bytes) { root in
            let set = try TrainingSet.gl3d(root: root.root.path)
            XCTAssertEqual(set.images, Self.imageLines.map { root.root.path + "/" + $0 })
            XCTAssertEqual(set.source, root.binaryPath)
            XCTAssertEqual(set.scenes.map(\.name), ["dataset 0", "dataset 1", "dataset 2"])
            XCTAssertEqual(set.scenes[0].records, [
                TrainingRecord(anchor: 0, positives: [1, 2], negatives: [5]),
                TrainingRecord(anchor: 1, positives: [0], negatives: [6, 7]),
            ])
            XCTAssertEqual(set.scenes[1].records, [TrainingRecord(anchor: 5, positives: [6], negatives: [0, 1, 2])])
            XCTAssertEqual(set.scenes[2].records, [TrainingRecord(anchor: 3, positives: [4])])
            XCTAssertEqual(set.scenes.map(\.images), [[0, 1, 2], [5, 6], [3, 4]])
            XCTAssertEqual(set.recordCount, 4)
        }
    }

    func testTruncationIsReportedAtTheFieldThatCannotBeRead() throws {
        let bytes = GL3DFileBuilder(datasets: Self.datasets).bytes
        let b = GL3DFileBuilder(datasets: Self.datasets)
        // Inside dataset_num itself.
        try expectMalformed(Array(bytes[..<2]), offset: 0, "ends inside dataset_num")
        // dataset_num 3 needs 12 bytes of image_num fields; only 6 remain.
        try expectMalformed(Array(bytes[..<10]), offset: 0, "dataset_num is 3, which needs 12 more bytes")
        // Inside the masks of d0.r1: its pos_num cannot cover index, neg_num and mask.
        try expectMalformed(Array(bytes[..<1000]), offset: b["d0.r1.pos_num"], "pos_num of record 1 of dataset 0 is 1, which needs 400 more bytes")
        // Inside image_num of dataset 1.
        try expectMalformed(Array(bytes[..<(b["d1.image_num"] + 2)]), offset: b["d1.image_num"], "ends inside image_num of dataset 1")
        // Inside ref_idx of d2.r0 (image_num 1 still needs 12 bytes, which are not there).
        try expectMalformed(Array(bytes[..<(b["d2.r0.ref"] + 2)]), offset: b["d2.image_num"], "needs 12 more bytes")
        // One byte short at the very end, inside the last mask.
        try expectMalformed(Array(bytes.dropLast()), offset: b["d2.r0.pos_num"], "but 399 remain")
    }

    func testTruncatedNegativeIndicesAreReportedAtNegNum() throws {
        // Cut inside the negatives of d1.r0 with the masks removed as well, so pos_num's own
        // check passes (4 bytes of index + neg_num + 392 of mask = 400 ≤ remaining) and neg_num's fails.
        var builder = GL3DFileBuilder(datasets: Self.datasets)
        builder.set("d1.r0.neg_num", 200)
        let bytes = Array(builder.bytes[..<builder["d2.image_num"]])
        try expectMalformed(bytes, offset: builder["d1.r0.neg_num"], "neg_num of record 0 of dataset 1 is 200, which needs 1192 more bytes")
    }

    func testNegativeCounts() throws {
        for field in ["dataset_num", "d1.image_num", "d0.r1.pos_num", "d1.r0.neg_num"] {
            var builder = GL3DFileBuilder(datasets: Self.datasets)
            builder.set(field, -1)
            try expectMalformed(builder.bytes, offset: builder[field], "is negative (-1)")
        }
    }

    func testHugeCountsFailBeforeAllocating() throws {
        for field in ["dataset_num", "d1.image_num", "d0.r1.pos_num", "d1.r0.neg_num"] {
            var builder = GL3DFileBuilder(datasets: Self.datasets)
            builder.set(field, Int32.max)
            try expectMalformed(builder.bytes, offset: builder[field], "is \(Int32.max), which needs")
        }
    }

    func testIndicesOutsideTheImageList() throws {
        for (field, value) in [("d1.r0.neg2", Int32(8)), ("d2.r0.ref", -1), ("d0.r0.pos1", 1_000_000)] {
            var builder = GL3DFileBuilder(datasets: Self.datasets)
            builder.set(field, value)
            try expectMalformed(builder.bytes, offset: builder[field], "is \(value), outside the 8 images")
        }
    }

    func testIndexOfABlankListLineIsAnError() throws {
        // Blank lines count (the seed's splitlines), so index 4 is the blank line 5.
        var lines = Self.imageLines
        lines[4] = ""
        let builder = GL3DFileBuilder(datasets: Self.datasets)
        try expectMalformed(builder.bytes, offset: builder["d2.r0.pos0"], "line 5 of", lines: lines)
    }

    func testBlankLinesKeepTheLineNumbering() throws {
        // A blank line that no record uses is harmless, and indices still count it.
        var lines = Self.imageLines
        lines[7] = ""
        let builder = GL3DFileBuilder(datasets: [[Record(anchor: 0, positives: [1], negatives: [])],
                                                 [Record(anchor: 5, positives: [6], negatives: [])]])
        try withRoot(builder.bytes, lines: lines) { root in
            let set = try TrainingSet.gl3d(root: root.root.path)
            XCTAssertEqual(set.images.count, 8)
            XCTAssertEqual(set.images[6], root.root.path + "/scene2/img6.jpg")
        }
    }

    func testTrailingBytes() throws {
        let builder = GL3DFileBuilder(datasets: Self.datasets)
        try expectMalformed(builder.bytes + [0, 0, 0, 0, 9], offset: builder["end"], "5 bytes follow the last of the 3 datasets")
    }

    func testEmptyDatasetAndRecordWithoutPositives() throws {
        let empty = GL3DFileBuilder(datasets: [Self.datasets[0], [], Self.datasets[2]])
        try expectMalformed(empty.bytes, offset: empty["d1.image_num"], "dataset 1 has no records")
        let noPositive = GL3DFileBuilder(datasets: [Self.datasets[0], [Record(anchor: 5, positives: [], negatives: [1])]])
        try expectMalformed(noPositive.bytes, offset: noPositive["d1.r0.pos_num"], "record 0 of dataset 1 has no positives")
    }

    func testMissingFilesAreUnreadable() throws {
        let builder = GL3DFileBuilder(datasets: Self.datasets)
        try withRoot(builder.bytes) { root in
            try FileManager.default.removeItem(atPath: root.binaryPath)
            XCTAssertThrowsError(try TrainingSet.gl3d(root: root.root.path)) { error in
                guard case let TrainingError.unreadable(path, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, root.binaryPath)
            }
            try FileManager.default.removeItem(atPath: root.listPath)
            XCTAssertThrowsError(try TrainingSet.gl3d(root: root.root.path)) { error in
                guard case let TrainingError.unreadable(path, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, root.listPath)
            }
        }
    }

    func testOneDatasetIsNotEnough() throws {
        let builder = GL3DFileBuilder(datasets: [Self.datasets[0]])
        try withRoot(builder.bytes) { root in
            XCTAssertThrowsError(try TrainingSet.gl3d(root: root.root.path)) { error in
                guard case let TrainingError.unusableData(path, reason) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, root.binaryPath)
                XCTAssertTrue(reason.contains("at least 2"), reason)
            }
        }
    }

    func testReaderRefillsAcrossItsBuffer() throws {
        // A 6-byte buffer forces a refill inside the second and third fields.
        let builder = GL3DFileBuilder(datasets: Self.datasets)
        try withRoot(builder.bytes) { root in
            var reader = try Int32FileReader(path: root.binaryPath, bufferSize: 6)
            XCTAssertEqual(try reader.int32("a"), 3)
            XCTAssertEqual(try reader.int32("b"), 2)
            XCTAssertEqual(try reader.int32("c"), 0)
            XCTAssertEqual(try reader.int32("d"), 2)
            try reader.skip(8, "positives")
            XCTAssertEqual(try reader.int32("neg_num"), 1)
            XCTAssertEqual(reader.offset, 28)
            try reader.skip(reader.remaining - 2, "rest")
            XCTAssertThrowsError(try reader.int32("tail")) { error in
                XCTAssertEqual(error as? TrainingError, .malformed(path: root.binaryPath, offset: 2066,
                                                                  reason: "the file ends inside tail: it needs 4 bytes, 2 remain"))
            }
        }
    }
}

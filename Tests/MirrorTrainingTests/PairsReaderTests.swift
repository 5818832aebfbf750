import Foundation
import MirrorTraining
import TestSupport
import XCTest

final class PairsReaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.makeTemporaryDirectory("mirror-pairs")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ text: String, _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Images 0…7 after skipping comments and blank lines; image 4 is absolute.
    private static let list = """
        # training images
        a.jpg
        b.jpg

        c.jpg
          # an indented comment
        d.jpg
        /abs/e.jpg
        f.jpg
        g.jpg
          h.jpg\u{20}

        """

    /// Scene {0,1,2} and scene {4,5,6}; 3 and 7 are in no scene. CRLF line ends on purpose.
    private static let pairs = [
        "# i\tj\toverlap\tnote",
        "0\t1\t0.8",
        "1\t2\t0.3\textra column",
        "2\t0\t0.6",
        "3\t0\t0",
        "4\t5\t0.9",
        "5\t6\t0.1",
        "4\t6\t0.2",
        "6\t4\t0.05",
        "",
    ].joined(separator: "\r\n")

    private func read(hard: Double?, root: String? = nil, positive: Double = 0.5) throws -> TrainingSet {
        try TrainingSet.pairs(imageList: try write(Self.list, "list.txt"), pairs: try write(Self.pairs, "pairs.tsv"),
                              imageRoot: root, positiveOverlap: positive, hardNegativeOverlap: hard)
    }

    func testScenesAreComponentsAndRecordsHavePositivesAndHardNegatives() throws {
        let set = try read(hard: 0.4)
        let dir = folder.path
        XCTAssertEqual(set.images, ["a", "b", "c", "d"].map { "\(dir)/\($0).jpg" } + ["/abs/e.jpg"]
            + ["f", "g", "h"].map { "\(dir)/\($0).jpg" })
        XCTAssertEqual(set.source, folder.appendingPathComponent("pairs.tsv").path)
        XCTAssertEqual(set.scenes.count, 2)
        XCTAssertEqual(set.scenes[0].images, [0, 1, 2])
        XCTAssertEqual(set.scenes[0].records, [
            TrainingRecord(anchor: 0, positives: [1, 2]),
            TrainingRecord(anchor: 1, positives: [0], hardNegatives: [2]),
            TrainingRecord(anchor: 2, positives: [0], hardNegatives: [1]),
        ])
        // 6 has no positive, so it is no anchor, but it is in the scene; the repeated pair 4–6
        // keeps its largest overlap (0.2).
        XCTAssertEqual(set.scenes[1].images, [4, 5, 6])
        XCTAssertEqual(set.scenes[1].records, [
            TrainingRecord(anchor: 4, positives: [5], hardNegatives: [6]),
            TrainingRecord(anchor: 5, positives: [4], hardNegatives: [6]),
        ])
        XCTAssertTrue(set.scenes.allSatisfy { $0.records.allSatisfy { $0.negatives.isEmpty } })
    }

    func testHardNegativeThresholdAndRepeatedPairs() throws {
        // At 0.15 only 5–6 (0.1) is hard; 4–6 merged to 0.2 is not, although 6–4 says 0.05.
        let set = try read(hard: 0.15)
        XCTAssertEqual(set.scenes[1].records.map(\.hardNegatives), [[], [6]])
        let none = try read(hard: nil)
        XCTAssertTrue(none.scenes.allSatisfy { $0.records.allSatisfy { $0.hardNegatives.isEmpty } })
        // A zero-overlap pair across scenes (3–0) neither joins scenes nor makes a hard negative.
        XCTAssertEqual(try read(hard: 0.5).scenes[0].records[0].hardNegatives, [])
    }

    func testPositiveThresholdAndImageRoot() throws {
        // At 0.85 only 4–5 is positive: one scene, which is not enough.
        XCTAssertThrowsError(try read(hard: nil, positive: 0.85)) { error in
            guard case let TrainingError.unusableData(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("pairs.tsv"))
            XCTAssertTrue(reason.hasPrefix("1 scene has a pair with overlap ≥ 0.85"), reason)
        }
        // At 0.6 the pair 0–2 (exactly 0.6) still counts: positives are overlap ≥ threshold.
        XCTAssertEqual(try read(hard: nil, positive: 0.6).scenes[0].records.map(\.anchor), [0, 1, 2])
        let rooted = try read(hard: nil, root: "/data/gl3d")
        XCTAssertEqual(rooted.images[0], "/data/gl3d/a.jpg")
        XCTAssertEqual(rooted.images[4], "/abs/e.jpg")
        XCTAssertEqual(rooted.images[7], "/data/gl3d/h.jpg")
    }

    func testEveryBadLineIsReportedWithItsNumber() throws {
        let cases: [(String, String)] = [
            ("0\t1", "found 2 columns"),
            ("0 1 0.5", "found 1 column"),
            ("x\t1\t0.5", "i 'x' is not an integer image index"),
            ("0\t1.5\t0.5", "j '1.5' is not an integer image index"),
            ("0\t8\t0.5", "j 8 is outside the 8 images"),
            ("-1\t2\t0.5", "i -1 is outside the 8 images"),
            ("2\t2\t0.5", "image 2 is paired with itself"),
            ("0\t1\t1.5", "overlap 1.5 is outside [0, 1]"),
            ("0\t1\t-0.1", "overlap -0.1 is outside [0, 1]"),
            ("0\t1\tnan", "overlap is NaN"),
            ("0\t1\tabc", "overlap 'abc' is not a number"),
        ]
        let list = try write(Self.list, "list.txt")
        for (line, reason) in cases {
            let pairs = try write("# header\n4\t5\t0.9\n\(line)\n0\t1\t0.9\n", "bad.tsv")
            XCTAssertThrowsError(try TrainingSet.pairs(imageList: list, pairs: pairs), line) { error in
                guard case let TrainingError.invalidLine(path, number, message) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, pairs)
                XCTAssertEqual(number, 3, line)
                XCTAssertTrue(message.contains(reason), "'\(message)' lacks '\(reason)'")
            }
        }
    }

    func testUnreadableAndEmptyInputs() throws {
        let list = try write(Self.list, "list.txt")
        let missing = folder.appendingPathComponent("none.tsv").path
        XCTAssertThrowsError(try TrainingSet.pairs(imageList: list, pairs: missing)) { error in
            guard case let TrainingError.unreadable(path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing)
        }
        let empty = try write("# nothing\n\n", "empty.txt")
        XCTAssertThrowsError(try TrainingSet.pairs(imageList: empty, pairs: try write(Self.pairs, "p.tsv"))) { error in
            XCTAssertEqual(error as? TrainingError, .unusableData(path: empty, reason: "the image list holds no images"))
        }
    }
}

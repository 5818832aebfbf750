import Foundation
import TestSupport
import XCTest

/// `mirror overlaps` on the COLMAP fixture (`Fixtures/colmap/small`), and the README's
/// "Learning from a COLMAP reconstruction" chain: overlaps → train → pairs with the trained model.
final class OverlapsCommandTests: XCTestCase {
    private let model = TestPaths.fixtures.appendingPathComponent("colmap/small/bin").path
    private let imageRoot = TestPaths.fixtures.appendingPathComponent("train/synthetic/train").path

    private func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
    }

    func testWritesThePairsFormatAndRefusesToOverwrite() throws {
        let out = try TestPaths.makeTemporaryDirectory("overlaps").appendingPathComponent("out").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try ProcessRunner.mirror(["overlaps", "--colmap-model", model, "--image-root", imageRoot, "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("binary model, 34 cameras, 34 images, 416 3-D points, 1834 observations"), run.stderr)
        XCTAssertTrue(run.stderr.contains("(97 pairs, 61 with overlap ≥ 0.5; 2 images share no point with another)"), run.stderr)
        let images = try lines(out + "/images.txt")
        XCTAssertEqual(images.count, 34)
        XCTAssertTrue(images.allSatisfy { FileManager.default.fileExists(atPath: String($0)) }, "absolute paths of existing files")
        XCTAssertEqual(try lines(out + "/pairs.tsv").count, 97)

        let again = try ProcessRunner.mirror(["overlaps", "--colmap-model", model, "--out", out])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("images.txt exists (pass --force to replace it)"), again.stderr)
        let forced = try ProcessRunner.mirror(["overlaps", "--colmap-model", TestPaths.fixtures.appendingPathComponent("colmap/small/txt").path,
                                               "--out", out, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("text model"), forced.stderr)
        XCTAssertEqual(try lines(out + "/images.txt").first, "images/lomiri_kleiber_v00.jpg", "names as stored without --image-root")
    }

    func testBadModelsFailNamingTheFile() throws {
        let root = try TestPaths.makeTemporaryDirectory("overlaps-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = try ProcessRunner.mirror(["overlaps", "--colmap-model", root.path, "--out", root.appendingPathComponent("o").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("\(root.path): not a COLMAP sparse model"), missing.stderr)
        for name in ["cameras.bin", "images.bin", "points3D.bin"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: model).appendingPathComponent(name))
            try (name == "images.bin" ? bytes.prefix(1000) : bytes).write(to: root.appendingPathComponent(name))
        }
        let truncated = try ProcessRunner.mirror(["overlaps", "--colmap-model", root.path, "--out", root.appendingPathComponent("o").path])
        XCTAssertEqual(truncated.status, 1)
        XCTAssertTrue(truncated.stderr.contains("\(root.path)/images.bin: byte "), truncated.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("o/pairs.tsv").path), "nothing written")
    }

    /// The README's chain on the fixture, small: overlaps, two training steps of the default
    /// model, then `pairs` with the snapshot.
    func testOverlapsTrainPairsChain() throws {
        try XCTSkipUnless(RealLite0.weightsPath != nil, "the default model is not installed (make setup)")
        let root = try TestPaths.makeTemporaryDirectory("overlaps-chain")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("overlaps").path, checkpoints = root.appendingPathComponent("ckpt").path
        let overlaps = try ProcessRunner.mirror(["overlaps", "--colmap-model", model, "--image-root", imageRoot, "--out", out])
        XCTAssertEqual(overlaps.status, 0, overlaps.stderr)
        let train = try ProcessRunner.mirror(["train", "--pairs", out + "/pairs.tsv", "--image-list", out + "/images.txt",
                                              "--trainable-from", "blocks_15", "--hard-negatives", "0.1", "--with-hard",
                                              "--batch-size", "2", "--img-size", "64", "--max-steps", "2", "--snapshot", "2",
                                              "--save-dir", checkpoints, "--threads", "2", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let pairs = try ProcessRunner.mirror(["pairs", out + "/images.txt", "--weights", checkpoints + "/model-2.h5",
                                              "--img-size", "64", "--top", "3", "--features", root.appendingPathComponent("features").path,
                                              "--out", root.appendingPathComponent("pairs.txt").path, "--threads", "2", "--quiet"])
        XCTAssertEqual(pairs.status, 0, pairs.stderr)
        // Each image's 3 best partners, a pair listed once whichever image found it.
        let found = try lines(root.appendingPathComponent("pairs.txt").path).map { $0.split(separator: " ") }
        XCTAssertTrue(found.allSatisfy { $0.count == 2 && $0[0] != $0[1] }, "\(found.prefix(3))")
        XCTAssertEqual(Set(found.flatMap { $0 }).count, 34, "every image is in some pair")
        XCTAssertGreaterThanOrEqual(found.count, 34 * 3 / 2)
        XCTAssertLessThanOrEqual(found.count, 34 * 3)
    }
}

/// `mirror eval pairs` against the overlaps of the COLMAP fixture.
final class EvalPairsCommandTests: XCTestCase {
    func testScoresPairListsAgainstOverlaps() throws {
        let root = try TestPaths.makeTemporaryDirectory("eval-pairs")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("overlaps").path
        let overlaps = try ProcessRunner.mirror(["overlaps", "--colmap-model", TestPaths.fixtures.appendingPathComponent("colmap/small/bin").path,
                                                 "--out", out])
        XCTAssertEqual(overlaps.status, 0, overlaps.stderr)
        let names = try String(contentsOfFile: out + "/images.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        let truth = try String(contentsOfFile: out + "/pairs.tsv", encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }

        // The matchable pairs themselves, as COLMAP's 'name1 name2' lines (names without the folder):
        // recall 1, precision 1; scored by overlap in mirror's TSV: mAP 1.
        let matchable = truth.filter { Double($0[2])! >= 0.5 }
        let colmap = root.appendingPathComponent("colmap.txt").path
        try matchable.map { "\(names[Int($0[0])!].dropFirst(7)) \(names[Int($0[1])!].dropFirst(7))\n" }.joined()
            .write(toFile: colmap, atomically: true, encoding: .utf8)
        let perfect = try ProcessRunner.mirror(["eval", "pairs", "--pairs", colmap, "--overlaps", out, "--json"])
        XCTAssertEqual(perfect.status, 0, perfect.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(perfect.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["recall"] as? Double, 1)
        XCTAssertEqual(json["precision"] as? Double, 1)
        XCTAssertEqual(json["matchable_pairs"] as? Int, 61)
        XCTAssertTrue(json["mAP"] is NSNull)

        let tsv = root.appendingPathComponent("scored.tsv").path
        try truth.map { "\(names[Int($0[0])!])\t\(names[Int($0[1])!])\t\($0[2])\n" }.joined().write(toFile: tsv, atomically: true, encoding: .utf8)
        let plot = root.appendingPathComponent("recall.png").path
        let scored = try ProcessRunner.mirror(["eval", "pairs", "--pairs", tsv, "--overlaps", out, "--plot", plot])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertTrue(scored.stdout.contains("mAP (by score)        1.0000"), scored.stdout)
        XCTAssertTrue(scored.stdout.contains("precision             0.6289"), scored.stdout)   // 61 of 97
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: plot)).prefix(4), Data([0x89, 0x50, 0x4e, 0x47]))

        // An unknown name fails naming the file and line.
        try "images/lomiri_kleiber_v00.jpg images/nowhere.jpg\n".write(toFile: colmap, atomically: true, encoding: .utf8)
        let unknown = try ProcessRunner.mirror(["eval", "pairs", "--pairs", colmap, "--overlaps", out])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("\(colmap):1: image 'images/nowhere.jpg' is not in the overlaps image list"), unknown.stderr)
    }
}

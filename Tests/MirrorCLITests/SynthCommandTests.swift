import Foundation
import TestSupport
import XCTest

/// `mirror synth` end to end with the built binary: a small set from two fixture photos, then the
/// exit statuses and messages of bad inputs.
final class SynthCommandTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try TestPaths.makeTemporaryDirectory("mirror-synth-cli")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func photos(_ names: [String]) throws -> String {
        let folder = root.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(at: TestPaths.fixtures.appendingPathComponent("photos/train/\(name)"),
                                             to: folder.appendingPathComponent(name))
        }
        return folder.path
    }

    func testWritesATrainingSetAndReports() throws {
        let folder = try photos(["lomiri_kleiber.jpg", "mate_raindrops.jpg"])
        let out = root.appendingPathComponent("set").path
        let result = try ProcessRunner.mirror(["synth", folder, "--out", out, "--size", "64", "--views", "3", "--threads", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("mirror synth: 2/2"), result.stderr)
        XCTAssertTrue(result.stderr.contains("2 photos → 6 views, 6 pairs"), result.stderr)
        for file in ["images.txt", "pairs.tsv", "gl3d_gt_pairs", "homographies.npy", "meta.json", "images/mate_raindrops_v02.jpg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        let pairs = try String(contentsOfFile: out + "/pairs.tsv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(pairs.count, 7)
        XCTAssertEqual(pairs.first, "# i\tj\toverlap")

        let again = try ProcessRunner.mirror(["synth", folder, "--out", out, "--size", "64", "--views", "3", "--quiet"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("mirror: error: \(out): the output folder is not empty"), again.stderr)
        let forced = try ProcessRunner.mirror(["synth", folder, "--out", out, "--size", "64", "--views", "3", "--quiet",
                                               "--force", "--threads", "1"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(forced.stderr, "")
    }

    func testBadInputsFailNamingTheProblem() throws {
        let missing = try ProcessRunner.mirror(["synth", root.appendingPathComponent("none").path, "--out", root.path + "/o"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none: no such folder of photos"), missing.stderr)

        let folder = try photos(["mate_dune.jpg"])
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: folder + "/zz_broken.png"))
        let out = root.appendingPathComponent("o").path
        let skipped = try ProcessRunner.mirror(["synth", folder, "--out", out, "--size", "64", "--views", "2", "--quiet"])
        XCTAssertEqual(skipped.status, 1)
        XCTAssertTrue(skipped.stderr.contains("mirror: warning: skipped \(folder)/zz_broken.png: unsupported image format"), skipped.stderr)
        XCTAssertTrue(skipped.stderr.contains("1 photo(s) skipped, listed in \(out)/failed.txt"), skipped.stderr)

        for (arguments, message) in [
            (["synth", folder, "--out", out, "--views", "1"], "invalid value '1' for '--views': must be between 2 and 100"),
            (["synth", folder], "missing required option '--out'"),
            (["synth", "--out", out], "missing the folder of photos"),
            (["synth", folder, "--out", out, "--size", "64", "--overlap-stride", "65"], "'--overlap-stride'"),
        ] {
            let result = try ProcessRunner.mirror(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

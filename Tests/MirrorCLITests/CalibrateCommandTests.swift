import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// `mirror calibrate` → `pairs --calibration --min-prob` → `convert --calibration` on the demo,
/// whose ground truth gives every pair's overlap; and the errors: scores without a source line,
/// a calibration for other settings or another model, `--min-prob` without a calibration.
final class CalibrateCommandTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testCalibrateThenSelectByProbability() throws {
        let demo = try TestPaths.copyDemo(into: directory)
        let overlaps = path("overlaps")
        try DemoOverlaps.write(demo: demo, to: overlaps)
        let pairs = { (extra: [String]) in
            try ProcessRunner.mirror(["pairs", demo.path, "--img-size", "224", "--top", "19", "--format", "tsv", "--quiet"] + extra,
                                     currentDirectory: TestPaths.repositoryRoot)
        }
        XCTAssertEqual(try pairs(["--out", path("scored.tsv")]).status, 0)
        let scored = try String(contentsOfFile: path("scored.tsv"), encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(scored[0].hasPrefix("# mirror scores: net=efficientnet-lite0; weights="), String(scored[0]))
        XCTAssertTrue(scored[0].hasSuffix("; img-size=224; rmac-step=1,3,5; pca=0"), String(scored[0]))
        XCTAssertEqual(scored.count, 1 + 20 * 19)

        let fit = try ProcessRunner.mirror(["calibrate", "--pairs", path("scored.tsv"), "--overlaps", overlaps,
                                            "--out", path("cal.json"), "--plot", path("reliability.png")])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        // Every directed pair is listed (top 19 of 20), so the matchable ones are the truth's ≥ 0.5, twice.
        let matchable = try DemoOverlaps.truth(demo).filter { $0.overlap >= 0.5 }.count
        XCTAssertTrue(fit.stdout.contains("380 scored pairs, \(2 * matchable) matchable"), fit.stdout)
        let calibration = try MatchabilityCalibration.parse(String(contentsOfFile: path("cal.json"), encoding: .utf8), path: "cal.json")
        XCTAssertEqual(calibration.source.imageSize, 224)
        XCTAssertTrue(try AtomicFile.read(path("reliability.png")).starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let check = try ProcessRunner.mirror(["calibrate", "--pairs", path("scored.tsv"), "--overlaps", overlaps,
                                              "--check", path("cal.json"), "--json"])
        XCTAssertEqual(check.status, 0, check.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((report?["ece"] as? NSNumber)?.doubleValue ?? 1, 0, accuracy: 1e-12, "fitted isotonically on itself")

        // Selection by probability: a fourth column, every kept pair at or above the threshold.
        XCTAssertEqual(try pairs(["--out", path("sure.tsv"), "--calibration", path("cal.json"), "--min-prob", "0.9"]).status, 0)
        let sure = try String(contentsOfFile: path("sure.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertFalse(sure.isEmpty)
        for line in sure {
            let columns = line.split(separator: "\t")
            XCTAssertEqual(columns.count, 4, String(line))
            XCTAssertGreaterThanOrEqual(Double(columns[3])!, 0.9)
            XCTAssertEqual(Double(columns[3])!, calibration.probability(Double(columns[2])!), accuracy: 1e-12)
        }

        // Other settings, no source line, no calibration, another model.
        let other = try ProcessRunner.mirror(["pairs", demo.path, "--img-size", "256", "--out", path("x.txt"), "--quiet",
                                              "--calibration", path("cal.json"), "--min-prob", "0.5"],
                                             currentDirectory: TestPaths.repositoryRoot)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("cal.json: the calibration is for other scores: fitted at img-size 224, these scores are at 256"),
                      other.stderr)
        // The default model's own calibration is for img-size 896 with PCA: not for these scores.
        let own = try pairs(["--out", path("y.txt"), "--min-prob", "0.5"])
        XCTAssertEqual(own.status, 1)
        XCTAssertTrue(own.stderr.contains("(its calibration): the calibration is for other scores: fitted at img-size 896"), own.stderr)
        try AtomicFile.write(Array(scored.dropFirst().map { $0 + "\n" }.joined().utf8), to: path("bare.tsv"))
        let bare = try ProcessRunner.mirror(["calibrate", "--pairs", path("bare.tsv"), "--overlaps", overlaps, "--out", path("c2.json")])
        XCTAssertEqual(bare.status, 1)
        XCTAssertTrue(bare.stderr.contains("does not name the scores' source"), bare.stderr)
        let foreign = try ProcessRunner.mirror(["convert", TestPaths.fixtures.appendingPathComponent("hdf5/h5py_weights.h5").path,
                                                "--out", path("w.h5"), "--calibration", path("cal.json")])
        XCTAssertEqual(foreign.status, 1)
        XCTAssertTrue(foreign.stderr.contains("the calibration is for other scores"), foreign.stderr)

        // Attached to the model, pairs uses it without --calibration.
        let model = TestPaths.repositoryRoot.appendingPathComponent("Models/efficientnet-lite0.h5").path
        let attach = try ProcessRunner.mirror(["convert", model, "--out", path("calibrated.h5"), "--calibration", path("cal.json")])
        XCTAssertEqual(attach.status, 0, attach.stderr)
        XCTAssertEqual(try pairs(["--out", path("own.tsv"), "--weights", path("calibrated.h5"), "--min-prob", "0.9"]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: path("own.tsv"), encoding: .utf8).split(separator: "\n").count, sure.count + 1)

        // No choosing flag: the default selection, whatever the calibration; it is exactly the flags
        // it names, and --top alone is plain top-k.
        func run(_ arguments: [String]) throws -> (stderr: String, list: [UInt8]) {
            let out = path("list-\(arguments.count).txt")
            let result = try ProcessRunner.mirror(["pairs", demo.path, "--img-size", "224", "--out", out] + arguments,
                                                  currentDirectory: TestPaths.repositoryRoot)
            XCTAssertEqual(result.status, 0, result.stderr)
            return (result.stderr, try AtomicFile.read(out))
        }
        let calibratedDefault = try run(["--weights", path("calibrated.h5")])
        XCTAssertTrue(calibratedDefault.stderr.contains("the default selection, --top 10 --connect"), calibratedDefault.stderr)
        let plainDefault = try run([])
        XCTAssertTrue(plainDefault.stderr.contains("the default selection, --top 10 --connect"), plainDefault.stderr)
        XCTAssertTrue(plainDefault.list == calibratedDefault.list)
        XCTAssertTrue(plainDefault.list == (try run(["--top", "10", "--connect", "--quiet"]).list))
        XCTAssertFalse(try run(["--top", "5"]).stderr.contains("selection"), "--top alone is plain top-k")

        // A threshold nothing passes is an empty graph: an error, not an empty list.
        let empty = try pairs(["--out", path("empty.tsv"), "--min-score", "0.99"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("no pair passes --min-score 0.99: the pair graph is empty"), empty.stderr)

        // Graph-aware selection through the CLI: the floor holds, the graph is linked, each pair once.
        let selected = try ProcessRunner.mirror(["pairs", demo.path, "--img-size", "224", "--top", "2", "--mutual", "--min-degree", "2",
                                                 "--connect", "--out", path("selected.txt")], currentDirectory: TestPaths.repositoryRoot)
        XCTAssertEqual(selected.status, 0, selected.stderr)
        XCTAssertTrue(selected.stderr.contains("→ 1; 0 images below --min-degree 2"), selected.stderr)
        let lines = try String(contentsOfFile: path("selected.txt"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(Set(lines.map { Set($0.split(separator: " ")) }).count, lines.count, "each unordered pair once")
        XCTAssertTrue(selected.stderr.contains("\(lines.count) pairs ("), selected.stderr)
    }
}

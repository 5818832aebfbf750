import Foundation
import MirrorCore
import MirrorImageIO
import TestSupport
import XCTest

/// End-to-end tests of the built `mirror` binary: help for every subcommand, exit statuses
/// (0 success, 1 runtime failure, 2 usage error), error texts, and the seed's spellings.
final class CommandLineTests: XCTestCase {
    static let subcommands = ["extract", "index", "query", "pairs", "eval", "train", "synth", "convert", "bench", "preprocess", "classify"]

    func testTopLevelHelpListsEveryCommand() throws {
        let result = try ProcessRunner.mirror(["--help"])
        XCTAssertEqual(result.status, 0)
        for name in Self.subcommands { XCTAssertTrue(result.stdout.contains("  \(name) "), name) }
        XCTAssertEqual(result.stderr, "")
    }

    func testVersion() throws {
        let result = try ProcessRunner.mirror(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.hasPrefix("mirror "))
    }

    func testNoArgumentsIsAUsageError() throws {
        let result = try ProcessRunner.mirror([])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("usage: mirror <command>"))
    }

    func testEverySubcommandHasHelpWithOptionsDefaultsAndAllowedValues() throws {
        for name in Self.subcommands {
            let result = try ProcessRunner.mirror([name, "--help"])
            XCTAssertEqual(result.status, 0, name)
            XCTAssertTrue(result.stdout.hasPrefix("usage: mirror \(name) "), name)
            XCTAssertTrue(result.stdout.contains("Options:"), name)
            XCTAssertTrue(result.stdout.contains("--help"), name)
        }
        let extract = try ProcessRunner.mirror(["extract", "-h"]).stdout
        XCTAssertTrue(extract.contains("--rmac-step LIST"))
        XCTAssertTrue(extract.contains("Default: 1,3,5."))
        XCTAssertTrue(extract.contains("Allowed: MAX, AVG."))
        XCTAssertTrue(extract.contains("Allowed: naive, simd, blas."))
        XCTAssertEqual(try ProcessRunner.mirror(["help", "query"]).stdout,
                       try ProcessRunner.mirror(["query", "--help"]).stdout)
    }

    func testUnknownCommandSuggestsTheClosestOne() throws {
        let result = try ProcessRunner.mirror(["extarct"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("mirror: error: unknown command 'extarct'; did you mean 'extract'?"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: mirror"))
    }

    func testUnknownOptionNamesItSuggestsAndPrintsUsage() throws {
        let result = try ProcessRunner.mirror(["extract", "--img-lst", "x.txt"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("mirror: error: unknown option '--img-lst' for 'mirror extract'; did you mean '--img-list'?"),
                      result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: mirror extract "))
        XCTAssertEqual(result.stdout, "")
    }

    func testMalformedValuesNameTheFlag() throws {
        let cases: [([String], String)] = [
            (["extract", "--img-list", "l", "--img-size", "abc"], "invalid value 'abc' for '--img-size': expected an integer"),
            (["extract", "--img-list", "l", "--rmac-step", "1,,3"], "invalid value '1,,3' for '--rmac-step'"),
            (["extract", "--img-list", "l", "--rmac-step", "1,x"], "'x' is not an integer"),
            (["extract", "--img-list", "l", "--pool", "SUM"], "invalid value 'SUM' for '--pool': allowed values are MAX, AVG"),
            (["extract", "--img-list", "l", "--backend", "blsa"], "did you mean 'blas'?"),
            (["extract", "--img-list", "l", "--shard", "4/3"], "invalid value '4/3' for '--shard'"),
            (["extract", "--img-list", "l", "--threads", "0"], "invalid value '0' for '--threads': must be between 1 and 1024"),
            (["query", "--feature-list", "f", "--out-dir", "o", "--top", "-5"], "invalid value '-5' for '--top'"),
            (["extract", "--img-list"], "option '--img-list' needs a value (LIST)"),
            (["extract", "--multi-scale=yes", "--img-list", "l"], "'--multi-scale' is a switch and takes no value"),
            (["eval", "oxfrd"], "unknown benchmark 'oxfrd'"),
        ]
        for (arguments, message) in cases {
            let result = try ProcessRunner.mirror(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("mirror: error: "), "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    func testMissingRequiredOptionIsAUsageError() throws {
        let result = try ProcessRunner.mirror(["index", "--feature-list", "f.txt"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("missing required option '--out'"), result.stderr)
        let extract = try ProcessRunner.mirror(["extract", "--pool", "MAX"])
        XCTAssertEqual(extract.status, 2)
        XCTAssertTrue(extract.stderr.contains("give --img-list LIST or at least one image or folder"))
    }

    /// The seed's README command lines parse unchanged (snake_case, seed flag names); commands whose
    /// implementation is pending then fail at run time (exit 1), never with a usage error.
    func testSeedSpellingsAreAccepted() throws {
        let seedLines: [[String]] = [
            ["extract", "--img_list", "image_list", "--ckpt_step", "720000", "--img_size", "896", "--net", "resnet-50",
             "--pool", "MAX", "--rmac_step", "1,3,5", "--ckpt_path", "./data/model/model.ckpt"],
            ["extract", "--output_folder", "out", "--img_list", "l", "--net", "googlenet", "--pool", "MAX",
             "--ckpt_step", "400000", "--ckpt_path", "m", "--img_size", "896", "--rmac_step", "1,2", "--multi_scale",
             "--gl3d_root", "/data/gl3d/", "--oxford_gt", "gt"],
            ["query", "--feature_list", "feature_list", "--out_dir", "./output", "--top", "20", "--out_dim", "256"],
            ["query", "--out_dir", "o", "--feature_list", "f", "--query_list", "q", "--top", "6500", "--out_dim", "256",
             "--qe", "10", "--et", "2", "--pca_thresh", "0.90", "--dataset_root", "/r"],
            ["extract", "--img-size=448", "--img-list=l"],
        ]
        for arguments in seedLines {
            let result = try ProcessRunner.mirror(arguments)
            XCTAssertNotEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("unknown option"), "\(arguments): \(result.stderr)")
        }
    }

    func testTrainWithoutUsableDataFailsNamingTheFile() throws {
        let result = try ProcessRunner.mirror(["train", "--gl3d", "/nonexistent-gl3d", "--quiet"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("/nonexistent-gl3d/list/global_stats/global_img_list.txt"), result.stderr)
    }
}

/// `mirror preprocess` end to end against the library path (itself checked bit-exact against TF).
final class PreprocessCommandTests: XCTestCase {
    func testWritesTheSeedInputTensorAndFailsCleanlyOnBadImages() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = TestPaths.fixtures.appendingPathComponent("preprocess/coffee_cmyk.jpg").path
        let out = directory.appendingPathComponent("x.npy").path
        let result = try ProcessRunner.mirror(["preprocess", image, "--img_size", "224", "--out", out, "--scale", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = try NpyFile.read(out)
        XCTAssertEqual(written.shape, [112, 112, 3])
        let decoded = try ImageDecoder.decode(path: image)
        var expected = SeedPreprocessing.centerCrop(decoded, imageSize: 224)
        SeedPreprocessing.normalize(&expected, .seed)
        XCTAssertEqual(written.floats(), SeedPreprocessing.decimate(expected, factor: 2).data)

        let text = directory.appendingPathComponent("notes.jpg").path
        try "not an image".write(toFile: text, atomically: true, encoding: .utf8)
        let bad = try ProcessRunner.mirror(["preprocess", text, "--out", out + "2"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("mirror: error: \(text): unsupported image format"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "2"))
    }
}

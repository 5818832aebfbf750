import Foundation
import MirrorModels
import TestSupport
import XCTest

/// `mirror convert` end to end on the TensorFlow/PyTorch-written fixtures: listing, the seed's
/// `--ckpt-path/--ckpt-step` spelling, and every corruption → one clear error, exit 1, and no
/// output file (an existing one is left as it was).
final class ConvertCommandTests: XCTestCase {
    let checkpoints = TestPaths.fixtures.appendingPathComponent("checkpoints")
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func copy(_ folder: String) throws -> URL {
        let target = directory.appendingPathComponent(folder)
        try FileManager.default.copyItem(at: checkpoints.appendingPathComponent(folder), to: target)
        return target
    }

    func testListsTensorsOfBothFormats() throws {
        let tf = try ProcessRunner.mirror(["convert", "--ckpt_path", checkpoints.appendingPathComponent("tf_resnet50_thin/model.ckpt").path,
                                           "--ckpt_step", "720000", "--list"])
        XCTAssertEqual(tf.status, 0, tf.stderr)
        let lines = tf.stdout.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 266)
        XCTAssertTrue(lines.contains { $0.hasPrefix("conv1/kernel ") && $0.contains("float32") && $0.hasSuffix("[7, 7, 3, 4]") }, tf.stdout)
        let torch = try ProcessRunner.mirror(["convert", checkpoints.appendingPathComponent("torch_zip/zip_sd.pth").path, "--list"])
        XCTAssertEqual(torch.status, 0, torch.stderr)
        XCTAssertFalse(torch.stdout.isEmpty)
    }

    private func assertFails(_ arguments: [String], mentioning text: String, _ label: String,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let out = directory.appendingPathComponent("out.h5").path
        try Data("previous".utf8).write(to: URL(fileURLWithPath: out))
        let result = try ProcessRunner.mirror(["convert"] + arguments + ["--out", out])
        XCTAssertEqual(result.status, 1, "\(label): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains("mirror: error: "), label, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(text), "\(label): \(result.stderr)", file: file, line: line)
        XCTAssertEqual(FileManager.default.contents(atPath: out), Data("previous".utf8), "\(label) replaced the output",
                       file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }
        XCTAssertEqual(leftovers, [], "\(label) left temporaries", file: file, line: line)
    }

    func testCorruptedInputsFailCleanlyWithoutOutput() throws {
        // Real names and ranks, but thin channels: the architecture check reports every mismatch at once.
        try assertFails([checkpoints.appendingPathComponent("tf_resnet50_thin").path], mentioning: "266 with wrong shape",
                        "thin ResNet-50")
        let truncated = try copy("tf_worked_example")
        let index = truncated.appendingPathComponent("model.ckpt.index")
        let indexBytes = try Data(contentsOf: index)
        try indexBytes.prefix(indexBytes.count - 20).write(to: index)
        try assertFails([truncated.appendingPathComponent("model.ckpt").path], mentioning: "model.ckpt", "truncated .index")

        // The first tensor by name (bn2a_branch1/beta) starts at offset 0 of the data file.
        let flipped = try copy("tf_resnet50_thin")
        let data = flipped.appendingPathComponent("model.ckpt-720000.data-00000-of-00001")
        var bytes = [UInt8](try Data(contentsOf: data))
        bytes[1] ^= 0x01
        try Data(bytes).write(to: data)
        try assertFails([flipped.path], mentioning: "bn2a_branch1/beta", "flipped byte in .data")

        let sharded = try copy("tf_sharded")
        try FileManager.default.removeItem(at: sharded.appendingPathComponent("sharded.data-00001-of-00003"))
        try assertFails([sharded.appendingPathComponent("sharded").path], mentioning: "sharded.data-00001-of-00003", "missing shard")

        let garbage = directory.appendingPathComponent("weights.pth")
        try Data("GARBAGE-NOT-A-CHECKPOINT".utf8).write(to: garbage)
        try assertFails([garbage.path], mentioning: garbage.path, "wrong magic")

        // A protocol-2 pickle that asks for os.system: refused, never executed.
        let evil = directory.appendingPathComponent("evil.pth")
        try Data([0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x71, 0x00] + Array("X".utf8) + [0x85, 0x52, 0x2E]).write(to: evil)
        try assertFails([evil.path], mentioning: "system", "unexpected pickle global")
    }

    func testFromMustMatchTheInput() throws {
        let result = try ProcessRunner.mirror(["convert", checkpoints.appendingPathComponent("torch_zip/zip_sd.pth").path,
                                               "--from", "tf", "--out", directory.appendingPathComponent("x.h5").path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("looks like a PyTorch file"), result.stderr)
    }
}

/// `mirror convert WEIGHTS.h5 --img-size …` records the settings a model was validated at, and
/// `mirror extract` follows them unless its own flags say otherwise.
final class ValidatedSettingsTests: XCTestCase {
    func testExtractFollowsTheWeightFileUnlessFlagsOverride() throws {
        let directory = try TestPaths.makeTemporaryDirectory("validated")
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("plain.h5").path, annotated = directory.appendingPathComponent("annotated.h5").path
        try Architecture.efficientNetLite0.syntheticArchive().write(to: plain)
        let convert = try ProcessRunner.mirror(["convert", plain, "--out", annotated, "--img-size", "64", "--rmac-step", "1,2",
                                                "--dct", "accurate", "--note", "test"])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        XCTAssertEqual(try WeightArchive.read(from: annotated).extraction,
                       ValidatedExtraction(imageSize: 64, rmacSteps: [1, 2], dct: "accurate", note: "test"))
        let lonely = try ProcessRunner.mirror(["convert", plain, "--out", annotated, "--note", "x"])
        XCTAssertEqual(lonely.status, 2)
        XCTAssertTrue(lonely.stderr.contains("recorded with --img-size"), lonely.stderr)

        let image = TestPaths.fixtures.appendingPathComponent("photos/train/mate_dune.jpg").path
        let followed = try ProcessRunner.mirror(["extract", image, "--weights", annotated, "--threads", "2",
                                                 "--output-folder", directory.appendingPathComponent("a").path])
        XCTAssertEqual(followed.status, 0, followed.stderr)
        XCTAssertTrue(followed.stderr.contains("S=64, steps 1,2"), followed.stderr)
        let overridden = try ProcessRunner.mirror(["extract", image, "--weights", annotated, "--img-size", "96", "--threads", "2",
                                                   "--output-folder", directory.appendingPathComponent("b").path])
        XCTAssertEqual(overridden.status, 0, overridden.stderr)
        XCTAssertTrue(overridden.stderr.contains("S=96, steps 1,2"), overridden.stderr)
        let unannotated = try ProcessRunner.mirror(["extract", image, "--weights", plain, "--threads", "2", "--img-size", "64",
                                                    "--output-folder", directory.appendingPathComponent("c").path])
        XCTAssertTrue(unannotated.stderr.contains("S=64, steps 1,3,5"), unannotated.stderr)
    }
}

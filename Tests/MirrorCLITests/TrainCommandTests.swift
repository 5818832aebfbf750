import Foundation
import MirrorModels
import TestSupport
import XCTest

/// `mirror train` end to end on the GL3D-layout fixture (`Fixtures/train/gl3d_small`, 5 scenes of
/// 64×64 views made by `Fixtures/scripts/make_gl3d_fixture.py`) with the installed default model
/// (skipped when `make setup` has not installed it).
final class TrainCommandTests: XCTestCase {
    private var gl3d: String { TestPaths.fixtures.appendingPathComponent("train/gl3d_small").path }

    private func weights() throws -> String {
        try XCTSkipUnless(RealLite0.weightsPath != nil, "the default model is not installed (make setup)")
        return RealLite0.weightsPath!
    }

    private func arguments(_ saveDirectory: URL, steps: Int, weights: String) -> [String] {
        ["train", "--gl3d", gl3d, "--weights", weights, "--img-size", "64", "--batch-size", "4", "--max-steps", "\(steps)",
         "--snapshot", "5", "--keep", "0", "--save-dir", saveDirectory.path, "--backend", "blas", "--threads", "2",
         "--with-weak", "--with-hard", "--seed", "3", "--quiet"]
    }

    /// A run killed with SIGKILL after its second snapshot and resumed ends with the same bytes as
    /// one that never stopped.
    func testKilledAndResumedRunEndsWithTheSameWeights() throws {
        let weights = try weights()
        let root = try TestPaths.makeTemporaryDirectory("train-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let steps = 40
        let straight = root.appendingPathComponent("straight"), killed = root.appendingPathComponent("killed")
        let uninterrupted = try ProcessRunner.mirror(arguments(straight, steps: steps, weights: weights))
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)

        let process = Process()
        process.executableURL = TestPaths.mirrorBinary
        process.arguments = arguments(killed, steps: steps, weights: weights)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let marker = killed.appendingPathComponent("model-10.h5").path
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: marker) && process.isRunning && Date() < deadline {
            usleep(2_000)
        }
        usleep(UInt32.random(in: 0..<100_000))  // somewhere inside the next snapshot interval
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finishedAlone = FileManager.default.fileExists(atPath: killed.appendingPathComponent("model-\(steps).h5").path)
        XCTAssertFalse(finishedAlone, "the run finished before it could be killed; the test proves nothing")

        let resumed = try ProcessRunner.mirror(arguments(killed, steps: steps, weights: weights) + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try Data(contentsOf: straight.appendingPathComponent("model-\(steps).h5"))
        let b = try Data(contentsOf: killed.appendingPathComponent("model-\(steps).h5"))
        XCTAssertEqual(a, b, "resumed weights differ from the uninterrupted run's")
        let stateA = try Data(contentsOf: straight.appendingPathComponent("state-\(steps).bin"))
        let stateB = try Data(contentsOf: killed.appendingPathComponent("state-\(steps).bin"))
        XCTAssertEqual(stateA, stateB, "resumed optimizer state differs")

        // The log describes every step once, and the snapshot is an ordinary weight file.
        let log = try String(contentsOf: killed.appendingPathComponent("train_log.jsonl"), encoding: .utf8)
        let logged = log.split(separator: "\n").compactMap { line -> Int? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["step"] as? Int
        }
        XCTAssertEqual(logged, Array(1...steps))
        let archive = try WeightArchive.read(from: killed.appendingPathComponent("model-\(steps).h5").path)
        XCTAssertEqual(archive.architecture, "efficientnet-lite0")
        XCTAssertTrue(archive.training?.contains("\"step\":\(steps)") ?? false, archive.training ?? "no training attribute")
    }

    func testBadInputsFailNamingTheProblem() throws {
        let weights = try weights()
        let root = try TestPaths.makeTemporaryDirectory("train-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        // A damaged GL3D list: the error names the file and the byte offset.
        let damaged = root.appendingPathComponent("gl3d")
        try FileManager.default.copyItem(atPath: gl3d, toPath: damaged.path)
        let bin = damaged.appendingPathComponent("forward/train_list_with_mask.bin")
        let bytes = try Data(contentsOf: bin)
        try bytes.prefix(bytes.count - 7).write(to: bin)
        let truncated = try ProcessRunner.mirror(["train", "--gl3d", damaged.path, "--weights", weights, "--quiet",
                                                  "--save-dir", root.appendingPathComponent("out").path])
        XCTAssertEqual(truncated.status, 1)
        XCTAssertTrue(truncated.stderr.contains(bin.path) && truncated.stderr.contains("at byte"), truncated.stderr)

        // Flags that contradict each other are usage errors.
        let both = try ProcessRunner.mirror(["train", "--gl3d", gl3d, "--pairs", "p.tsv", "--image-list", "l"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("either --gl3d or --pairs"), both.stderr)
        let size = try ProcessRunner.mirror(["train", "--gl3d", gl3d, "--img-size", "100"])
        XCTAssertEqual(size.status, 2)
        XCTAssertTrue(size.stderr.contains("multiple of 32"), size.stderr)
    }
}

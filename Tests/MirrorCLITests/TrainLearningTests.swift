import Foundation
import TestSupport
import XCTest

/// Learning works (`make check-full`, about 15 minutes on 2 cores): 200 steps of EfficientNet-Lite0
/// at 224 on the synthetic homography views of 16 training photos (`Fixtures/train/synthetic/
/// train`) raise the GL3D mAP of views of 8 other photos (`…/heldout`) over the ImageNet starting
/// weights, both measured with `mirror eval gl3d` (the `mirror pairs` recipe: R-MAC 1,3,5,
/// PR-MAC). The recipe is the one recorded in Docs/BENCHMARKS.md ("Training").
final class TrainLearningTests: XCTestCase {
    private func heldOutMAP(weights: String, output: URL) throws -> Double {
        let result = try ProcessRunner.mirror(["eval", "gl3d", "--dataset-root",
                                               TestPaths.fixtures.appendingPathComponent("train/synthetic/heldout").path,
                                               "--img-size", "224", "--weights", weights, "--output-dir", output.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object?["mAP"] as? Double, result.stdout)
    }

    func testTrainingRaisesHeldOutMAP() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["MIRROR_FULL_CHECKS"] == "1", "full check (make check-full)")
        try XCTSkipUnless(RealLite0.weightsPath != nil, "the default model is not installed (make setup)")
        let root = try TestPaths.makeTemporaryDirectory("train-learning")
        defer { try? FileManager.default.removeItem(at: root) }
        let train = TestPaths.fixtures.appendingPathComponent("train/synthetic/train")
        let run = try ProcessRunner.mirror([
            "train", "--pairs", train.appendingPathComponent("pairs.tsv").path,
            "--image-list", train.appendingPathComponent("images.txt").path, "--weights", RealLite0.weightsPath!,
            "--hard-negatives", "0.1", "--with-hard", "--trainable-from", "blocks_15", "--base-lr", "0.0005",
            "--img-size", "224", "--batch-size", "8", "--max-steps", "200", "--snapshot", "200",
            "--save-dir", root.appendingPathComponent("ckpt").path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let before = try heldOutMAP(weights: RealLite0.weightsPath!, output: root.appendingPathComponent("eval-start"))
        let after = try heldOutMAP(weights: root.appendingPathComponent("ckpt/model-200.h5").path,
                                   output: root.appendingPathComponent("eval-end"))
        XCTAssertGreaterThan(after, before + 0.02, "held-out mAP \(before) → \(after)")
    }
}

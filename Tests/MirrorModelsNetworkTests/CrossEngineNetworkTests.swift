import Engines
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// Each network, end to end, on `simd` and `blas` against the `naive` reference engine (synthetic
/// weights and input). The naive engine is slow in a debug build (a few million multiply-adds
/// per second), so `make test` uses tiny odd inputs, which also exercise asymmetric SAME padding;
/// `make check-full` adds 64×64 and, for ResNet-50, its smallest full input 193×193 to `pool5`.
///
/// Bound: every compared tap within `5e-5 × max|reference|`: the engines' per-convolution bound
/// (1e-5 of the output scale, Docs/ENGINES.md) with room for accumulation over the depth.
/// Measured values are printed (`cross-engine …`), typically a few 1e-7.
final class CrossEngineNetworkTests: XCTestCase {
    private let bound: Float = 5e-5

    func testGoogLeNet() {
        compare(.googlenet, size: 33, taps: ["conv2_norm2", "inception_3a_output", "inception_4e_output"])
    }

    func testEfficientNetLite0() {
        compare(.efficientNetLite0, size: 63, taps: ["stem", "blocks_2", "blocks_7", "blocks_15"])
    }

    /// ResNet-50 needs 193×193 for `pool5`; here the comparison runs to `res5c_relu` (1×1 at 21).
    func testResNet50() {
        compare(.resnet50, size: 21, taps: ["bn_conv1", "pool1", "res2a", "res3a_relu", "res4f_relu"],
                through: "res5c_relu")
    }

    func testAllAt64AndResNet50At193() throws {
        try XCTSkipUnless(NetworkFixtures.fullChecks, "larger cross-engine runs with MIRROR_FULL_CHECKS=1 (make check-full)")
        compare(.googlenet, size: 64, taps: ["inception_3a_output", "inception_4e_output"])
        compare(.efficientNetLite0, size: 64, taps: ["blocks_2", "blocks_15"])
        compare(.resnet50, size: 64, taps: ["res2a", "res4f_relu"], through: "res5c_relu")
        compare(.resnet50, size: 193, taps: ["res3a_relu", "res5c_relu"])
    }

    private func compare(_ architecture: Architecture, size: Int, taps: Set<String>, through: String? = nil) {
        let network = SyntheticNetworks.network(architecture)
        let input = SyntheticWeights.input(height: size, width: size)
        func run(_ kind: BackendKind) -> [String: Tensor] {
            let backend = makeBackend(kind: kind, threads: kind == .naive ? 1 : 2)
            var output: Tensor?
            var result = collectTaps(taps) { observer in
                if let through {
                    output = network.activation(named: through, for: input, backend: backend, observer: observer)
                } else {
                    output = network.features(input, backend: backend, observer: observer)
                }
            }
            result[through ?? architecture.featureLayer] = output
            if through == nil {
                // Unobserved, engines may fuse blocks (Lite0's MBConv) whose inner taps nobody reads.
                result["unobserved"] = network.features(input, backend: backend)
            }
            return result
        }
        let reference = run(.naive)
        for kind in [BackendKind.simd, .blas] {
            let actual = run(kind)
            for name in reference.keys.sorted() {
                guard let r = reference[name], let a = actual[name] else { XCTFail("missing \(name)"); continue }
                XCTAssertEqual(a.shape, r.shape, name)
                let error = relativeError(a.data, r.data)
                XCTAssertLessThanOrEqual(error, bound, "\(architecture.rawValue) \(kind) \(name)")
                print("cross-engine \(architecture.rawValue) \(kind) vs naive at \(size): \(name) "
                      + String(format: "%.2e", error) + " of max|ref|")
            }
        }
    }

    /// `max|a − r| / max|r|`.
    private func relativeError(_ actual: [Float], _ reference: [Float]) -> Float {
        var difference: Float = 0, scale: Float = 0
        for (a, r) in zip(actual, reference) {
            difference = max(difference, abs(a - r))
            scale = max(scale, abs(r))
        }
        return scale == 0 ? difference : difference / scale
    }
}

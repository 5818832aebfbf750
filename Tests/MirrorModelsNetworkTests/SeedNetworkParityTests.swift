import Engines
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// The seed's ResNet-50 and GoogLeNet against TensorFlow (float64 graphs of the seed's topology,
/// synthetic weights and input; `Fixtures/networks/README.md` §3), every record within
/// 1e-4 × its rms, intermediate layers included.
///
/// `make test` runs 224 and 448 on the `blas` engine (fast even in a debug build); `make
/// check-full` (`MIRROR_FULL_CHECKS=1`) adds 896 and repeats everything on `simd`.
final class SeedNetworkParityTests: XCTestCase {
    func testResNet50At224() throws { try checkSizes(.resnet50, size: 224) }
    func testResNet50At448() throws { try checkSizes(.resnet50, size: 448) }
    func testResNet50At896() throws {
        try XCTSkipUnless(NetworkFixtures.fullChecks, "896 parity runs with MIRROR_FULL_CHECKS=1 (make check-full)")
        try checkSizes(.resnet50, size: 896)
    }

    func testGoogLeNetAt224() throws { try checkSizes(.googlenet, size: 224) }
    func testGoogLeNetAt448() throws { try checkSizes(.googlenet, size: 448) }
    func testGoogLeNetAt896() throws {
        try XCTSkipUnless(NetworkFixtures.fullChecks, "896 parity runs with MIRROR_FULL_CHECKS=1 (make check-full)")
        try checkSizes(.googlenet, size: 896)
    }

    private var engines: [BackendKind] { NetworkFixtures.fullChecks ? [.blas, .simd] : [.blas] }

    private func checkSizes(_ architecture: Architecture, size: Int) throws {
        for engine in engines { try check(architecture, size: size, engine: engine) }
    }

    private func check(_ architecture: Architecture, size: Int, engine: BackendKind) throws {
        let fixture = architecture == .resnet50 ? "resnet50" : "googlenet"
        let records = try NetworkFixtures.records(fixture, inputSize: size)
        XCTAssertFalse(records.isEmpty)
        XCTAssertTrue(records.contains { $0.tensor == architecture.featureLayer }, "the feature map is recorded")
        let mappings = Dictionary(uniqueKeysWithValues: records.map { ($0.tensor, mapping(for: $0.tensor, architecture)) })

        let network = SyntheticNetworks.network(architecture)
        let backend = makeBackend(kind: engine, threads: 2)
        let input = SyntheticWeights.input(height: size, width: size)
        let wanted = Set(mappings.values.map(\.tap))
        let taps: [String: Tensor]
        let features: Tensor
        if wanted == [architecture.featureLayer] {
            // Only the output is recorded (448): the plain pass, with its fused epilogues.
            features = network.features(input, backend: backend)
            taps = [architecture.featureLayer: features]
        } else {
            var output: Tensor?
            taps = collectTaps(wanted) { output = network.features(input, backend: backend, observer: $0) }
            features = try XCTUnwrap(output)
            XCTAssertEqual(features, taps[architecture.featureLayer], "features() returns the last tap")
        }
        XCTAssertEqual(Array(features.shape[1...2]),
                       [architecture.featureMapSize(inputSize: size)!, architecture.featureMapSize(inputSize: size)!])

        for record in records {
            let mapping = mappings[record.tensor]!
            let tap = try XCTUnwrap(taps[mapping.tap], "no tap \(mapping.tap)")
            let error = try assertParity(tap, record, mapping: mapping, context: "\(architecture.rawValue)/\(engine)")
            print("parity \(architecture.rawValue) \(engine) \(size) \(record.tensor): \(error)")
        }
    }

    /// Fixture record → mirror tap. All records are taps of the same name except ResNet's
    /// `conv1`, the biased convolution before `bn_conv1`: mirror folds the BN into it, so it is
    /// checked through `bn_conv1 = relu(BN(conv1))` (ReLU is 1-Lipschitz; BN scales errors by s).
    private func mapping(for tensor: String, _ architecture: Architecture) -> RecordMapping {
        guard architecture == .resnet50 && tensor == "conv1" else { return RecordMapping(tap: tensor) }
        let channels = 64, epsilon = Double(architecture.bnEpsilon)
        func bn(_ part: String) -> [Float] { SyntheticWeights.tensor(name: "bn_conv1/\(part)", shape: [channels]).data }
        let (gamma, beta, mean, variance) = (bn("gamma"), bn("beta"), bn("moving_mean"), bn("moving_variance"))
        let scale = (0..<channels).map { Double(gamma[$0]) / (Double(variance[$0]) + epsilon).squareRoot() }
        return RecordMapping(tap: "bn_conv1", transform: { index, value in
            let c = index % channels
            return (max(0, (value - Double(mean[c])) * scale[c] + Double(beta[c])), scale[c])
        }, comparesChannelSums: false)
    }
}

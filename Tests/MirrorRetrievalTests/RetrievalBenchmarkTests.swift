import Foundation
import MirrorRetrieval
import XCTest

/// The all-vs-all timing run, skipped unless `MIRROR_RETRIEVAL_BENCH=1` (it takes minutes).
/// `MIRROR_RETRIEVAL_BENCH_IMAGES` shrinks the problem; `..._PLAIN=1` times the non-symmetric path.
/// Run: `MIRROR_RETRIEVAL_BENCH=1 swift test -c release --filter RetrievalBenchmarkTests`.
final class RetrievalBenchmarkTests: XCTestCase {
    func testAllVersusAllTiming() throws {
        let environment = ProcessInfo.processInfo.environment
        try XCTSkipUnless(environment["MIRROR_RETRIEVAL_BENCH"] == "1", "set MIRROR_RETRIEVAL_BENCH=1 to time PR-MAC")
        let images = environment["MIRROR_RETRIEVAL_BENCH_IMAGES"].flatMap(Int.init) ?? 9368
        let symmetric = environment["MIRROR_RETRIEVAL_BENCH_PLAIN"] != "1"
        let report = RetrievalBenchmark.run(images: images, regions: 35, dims: 256, top: 200, symmetric: symmetric)
        print(report)
        XCTAssertGreaterThan(report.checksum, 0)
    }
}

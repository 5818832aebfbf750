import Foundation
import MirrorRetrieval
import XCTest

/// The all-vs-all timing run, skipped unless `MIRROR_RETRIEVAL_BENCH=1` (it takes minutes).
/// `MIRROR_RETRIEVAL_BENCH_IMAGES` shrinks the problem.
/// Run: `MIRROR_RETRIEVAL_BENCH=1 swift test -c release --filter RetrievalBenchmarkTests`.
final class RetrievalBenchmarkTests: XCTestCase {
    func testAllVersusAllTiming() throws {
        let environment = ProcessInfo.processInfo.environment
        try XCTSkipUnless(environment["MIRROR_RETRIEVAL_BENCH"] == "1", "set MIRROR_RETRIEVAL_BENCH=1 to time PR-MAC")
        let images = environment["MIRROR_RETRIEVAL_BENCH_IMAGES"].flatMap(Int.init) ?? 9368
        var settings = RetrievalBenchmark.Settings(images: images)
        settings.top = 200
        let report = RetrievalBenchmark.run(settings)
        print(report)
        XCTAssertGreaterThan(report.plantedRecall ?? 0, 0.5)
    }
}

import Foundation
import TestSupport
import XCTest

/// `mirror bench` end to end at a tiny size (the timings themselves are benchmarks, not tests):
/// one JSON object per engine with the fields the issue names, and `--layer` lines for what runs.
final class BenchCommandTests: XCTestCase {
    func testJSONHasOneRecordPerEngineWithEveryField() throws {
        let result = try ProcessRunner.mirror(["bench", "--net", "efficientnet-lite0", "--img-size", "64",
                                               "--backend", "all", "--json", "--repeats", "1", "--warmup", "0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(records.compactMap { $0["engine"] as? String }, ["naive", "simd", "blas"])
        let fields = ["engine", "net", "img_size", "threads", "ms_median", "ms_min", "ms_max", "gflops",
                      "sgemm_gflops", "ratio_to_sgemm", "peak_rss_mb"]
        for record in records {
            XCTAssertEqual(fields.filter { record[$0] == nil }, [], "missing fields in \(record)")
            XCTAssertEqual(record["img_size"] as? Int, 64)
            let median = try XCTUnwrap(record["ms_median"] as? Double)
            XCTAssertGreaterThan(median, 0)
        }
    }

    /// Unobserved, Lite0's MBConv blocks run fused, so `--layer` times each block as one line
    /// (with the GFLOP/s of its three convolutions) and has no inner `expand` lines.
    func testLayerTimingShowsTheFusedBlocks() throws {
        let result = try ProcessRunner.mirror(["bench", "--net", "efficientnet-lite0", "--img-size", "64",
                                               "--backend", "simd", "--layer", "--repeats", "1", "--warmup", "0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("stem") && $0.contains("GFLOP/s") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.contains("blocks_1 ") && $0.contains("GFLOP/s") }, result.stdout)
        XCTAssertFalse(result.stdout.contains("blocks_1/expand"), result.stdout)
    }
}

import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// The seed's metrics against the SPEC's worked examples and against an independent NumPy
/// implementation run on random ranked lists over the real ground truth
/// (Fixtures/scripts/make_metric_fixtures.py; lists from Fixtures/reference-data).
final class BenchmarkMetricTests: XCTestCase {
    let reference = TestPaths.referenceData
    let metrics = TestPaths.fixtures.appendingPathComponent("metrics")

    private func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    private func npy(_ name: String) throws -> NpyArray { try NpyFile.read(metrics.appendingPathComponent(name).path) }

    private func rows(_ array: NpyArray) -> [[Int]] {
        let width = array.shape[1]
        let values = array.doubles().map { Int($0) }
        return (0..<array.shape[0]).map { r in values[r * width..<(r + 1) * width].filter { $0 >= 0 } }
    }

    func testOxfordWorkedExamples() {
        let truth = OxfordBenchmark.GroundTruth(positives: ["A", "B", "C"], junk: ["J"])
        func ap(_ list: String) -> Double {
            OxfordBenchmark.reported(OxfordBenchmark.averagePrecision(ranked: list.map(String.init), groundTruth: truth))
        }
        XCTAssertEqual(ap("AJXBYC"), 0.711111)
        XCTAssertEqual(ap("JABC"), 1)
        XCTAssertEqual(ap("XA"), 0.0833333)
        XCTAssertEqual(ap(""), 0)
    }

    func testHolidaysWorkedExample() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let gtPath = directory.appendingPathComponent("holidays_images.dat").path
        try "100000.jpg\n100001.jpg\n100002.jpg\n105600.jpg\n".write(toFile: gtPath, atomically: true, encoding: .utf8)
        let truth = try HolidaysBenchmark.groundTruth(path: gtPath)
        let result = try HolidaysBenchmark.evaluate(
            results: [("100000.jpg", ["100000.jpg", "100001.jpg", "105600.jpg", "100002.jpg"]), ("105600.jpg", [])],
            groundTruth: truth, groundTruthPath: gtPath)
        XCTAssertEqual(result.queries[0].averagePrecision, 0.5 + 0.2916666666666667, accuracy: 1e-12)
        XCTAssertEqual(String(format: "%.6f", result.queries[0].averagePrecision), "0.791667")
        XCTAssertThrowsError(try HolidaysBenchmark.evaluate(results: [("100000.jpg", [])], groundTruth: truth,
                                                            groundTruthPath: gtPath)) { error in
            XCTAssertEqual(error as? EvaluationError, .queryWithoutResults(query: "105600.jpg"))
        }
        XCTAssertThrowsError(try HolidaysBenchmark.evaluate(results: [("100000.jpg", ["999999.jpg"])],
                                                            groundTruth: truth, groundTruthPath: gtPath))
    }

    func testGL3DWorkedExample() {
        XCTAssertEqual(GL3DBenchmark.averagePrecision(groundTruth: [1, 2, 3], returned: [1, 5, 3, 4]), 0.527778, accuracy: 1e-6)
        XCTAssertEqual(GL3DBenchmark.averagePrecision(groundTruth: [1, 2, 3], returned: []), 0)
    }

    func testOxfordMatchesReferenceOnRandomListsOverRealGroundTruth() throws {
        let images = try lines(reference.appendingPathComponent("oxford/image_list.txt"))
        let queries = try lines(reference.appendingPathComponent("oxford/query_list.txt"))
        let gtDir = reference.appendingPathComponent("oxford/groundtruth").path
        let ranked = rows(try npy("oxford_ranked.npy"))
        let queryIndex = try npy("oxford_query.npy").doubles().map { Int($0) }
        let expected = try npy("oxford_ap.npy").doubles()
        XCTAssertEqual(ranked.count, expected.count)
        var truths: [String: OxfordBenchmark.GroundTruth] = [:]
        for (row, list) in ranked.enumerated() {
            let query = queries[queryIndex[row]]
            if truths[query] == nil { truths[query] = try OxfordBenchmark.groundTruth(directory: gtDir, query: query) }
            let ap = OxfordBenchmark.reported(OxfordBenchmark.averagePrecision(ranked: list.map { images[$0] },
                                                                               groundTruth: truths[query]!))
            XCTAssertEqual(ap, expected[row], accuracy: 1e-6, "row \(row) query \(query)")
        }
        XCTAssertEqual(truths.count, 55)
    }

    func testHolidaysMatchesReferenceOnRandomListsOverRealImageList() throws {
        let gtPath = reference.appendingPathComponent("holidays/holidays_images.dat").path
        let names = try lines(URL(fileURLWithPath: gtPath))
        let truth = try HolidaysBenchmark.groundTruth(path: gtPath)
        let queries = try npy("holidays_query.npy").doubles().map { names[Int($0)] }
        let ranked = rows(try npy("holidays_ranked.npy")).map { $0.map { names[$0] } }
        let expected = try npy("holidays_ap.npy").doubles()
        let result = try HolidaysBenchmark.evaluate(results: Array(zip(queries, ranked)).map { ($0.0, $0.1) },
                                                    groundTruth: truth, groundTruthPath: gtPath)
        XCTAssertEqual(result.queries.count, 500)
        for (got, want) in zip(result.queries, expected) { XCTAssertEqual(got.averagePrecision, want, accuracy: 1e-9, got.name) }
    }

    func testGL3DMatchesReferenceIncludingTopK() throws {
        let names = try lines(reference.appendingPathComponent("gl3d/eval_img_list.txt"))
        func pairs(_ file: String) throws -> [(Int, Int)] {
            let values = try npy(file).doubles().map { Int($0) }
            return stride(from: 0, to: values.count, by: 2).map { (values[$0], values[$0 + 1]) }
        }
        let truth = try pairs("gl3d_gt_pairs.npy"), results = try pairs("gl3d_results.npy")
        let expected = try npy("gl3d_map.npy").doubles()
        let result = GL3DBenchmark.evaluate(imageNames: names, groundTruthPairs: truth, resultPairs: results)
        XCTAssertEqual(result.queries.count, Int(expected[1]))
        XCTAssertEqual(result.meanAveragePrecision, expected[0], accuracy: 1e-9)
        for k in [5, 20] {
            let want = try npy("gl3d_map_at_\(k).npy").doubles()[0]
            XCTAssertEqual(GL3DBenchmark.evaluate(imageNames: names, groundTruthPairs: truth, resultPairs: results, top: k)
                .meanAveragePrecision, want, accuracy: 1e-9, "mAP@\(k)")
        }
    }

    func testMatchPairsReaderRejectsOutOfRangeAndMalformedLines() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("match_pairs").path
        try "0 0 1.0\n0 2 0.5\n1 1 1.0".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try MatchPairsReader.rankedLists(path: path, queryCount: 2, databaseCount: 3), [[0, 2], [1]])
        XCTAssertThrowsError(try MatchPairsReader.rankedLists(path: path, queryCount: 2, databaseCount: 2)) { error in
            XCTAssertEqual(error as? EvaluationError,
                           .indexOutOfRange(path: path, line: 2, index: 2, count: 2, what: "image list"))
        }
        XCTAssertThrowsError(try MatchPairsReader.rankedLists(path: path, queryCount: 1, databaseCount: 3))
        try "0 x 1.0".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MatchPairsReader.rankedLists(path: path, queryCount: 1, databaseCount: 3)) { error in
            XCTAssertEqual(error as? EvaluationError, .malformedLine(path: path, line: 1, text: "0 x 1.0"))
        }
        XCTAssertThrowsError(try OxfordBenchmark.groundTruth(directory: directory.path, query: "nothing_1")) { error in
            XCTAssertEqual(error as? EvaluationError,
                           .missingGroundTruth(path: directory.appendingPathComponent("nothing_1_good.txt").path))
        }
    }
}

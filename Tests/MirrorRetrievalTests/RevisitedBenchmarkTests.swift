import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// The revisited protocol against an independent NumPy implementation on fake ground-truth
/// pickles with the real structure (Fixtures/scripts/make_revisited_fixtures.py): protocol 2
/// with plain lists, protocol 4 with NumPy arrays and scalars.
final class RevisitedBenchmarkTests: XCTestCase {
    let directory = TestPaths.fixtures.appendingPathComponent("revisited")

    private func npy(_ name: String) throws -> NpyArray { try NpyFile.read(directory.appendingPathComponent(name).path) }

    private func check(_ variant: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let truth = try RevisitedGroundTruth.read(path: directory.appendingPathComponent("gnd_fake_\(variant).pkl").path)
        let ranked = try npy("ranked_\(variant).npy")
        let width = ranked.shape[1]
        let values = ranked.doubles().map { Int($0) }
        let lists = (0..<ranked.shape[0]).map { r in values[r * width..<(r + 1) * width].filter { $0 >= 0 } }
        let expectedAP = try npy("ap_\(variant).npy").doubles()
        let summary = try npy("summary_\(variant).npy").doubles()
        XCTAssertEqual(lists.count, truth.queries.count, file: file, line: line)

        let results = RevisitedBenchmark.evaluate(rankedLists: lists, groundTruth: truth)
        for (s, result) in results.enumerated() {
            for (q, score) in result.scores.enumerated() {
                let expected = expectedAP[q * 3 + s]
                if expected.isNaN {
                    XCTAssertNil(score, "\(variant) query \(q) \(result.setting)", file: file, line: line)
                } else {
                    XCTAssertEqual(score?.averagePrecision ?? -1, expected, accuracy: 1e-6,
                                   "\(variant) query \(q) \(result.setting)", file: file, line: line)
                }
            }
            XCTAssertEqual(result.meanAveragePrecision, summary[s * 4], accuracy: 1e-6, file: file, line: line)
            for k in 0..<3 {
                XCTAssertEqual(result.meanPrecisions[k], summary[s * 4 + 1 + k], accuracy: 1e-6,
                               "\(variant) \(result.setting) mP@\(RevisitedBenchmark.precisionRanks[k])", file: file, line: line)
            }
        }
        // Query 3 has no positives at all; 1 has no easy, 2 no hard (the generator's choices).
        XCTAssertEqual(results[1].evaluatedCount, truth.queries.filter { !($0.easy + $0.hard).isEmpty }.count, file: file, line: line)
        XCTAssertTrue(results.allSatisfy { $0.scores[3] == nil }, file: file, line: line)
        XCTAssertNil(results[0].scores[1], file: file, line: line)
        XCTAssertNil(results[2].scores[2], file: file, line: line)
    }

    func testProtocol2PlainListsMatchTheReference() throws {
        try check("p2")
        let truth = try RevisitedGroundTruth.read(path: directory.appendingPathComponent("gnd_fake_p2.pkl").path)
        XCTAssertEqual(truth.imageNames.count, 240)
        XCTAssertEqual(truth.imageNames[7], "img_0007")
        XCTAssertEqual(truth.queries.map(\.name).first, "query_00")
        XCTAssertNil(truth.queries[4].boundingBox)
        XCTAssertEqual(truth.queries[0].boundingBox?.count, 4)
        XCTAssertEqual(truth.queries[0].easy, [84, 42, 9, 37, 108, 174])
    }

    func testProtocol4NumPyArraysAndScalarsMatchTheReference() throws {
        try check("p4")
        let truth = try RevisitedGroundTruth.read(path: directory.appendingPathComponent("gnd_fake_p4.pkl").path)
        XCTAssertEqual(truth.imageNames.count, 300)
        XCTAssertEqual(truth.queries[0].hard, [182, 126, 65, 259, 16, 57, 74])   // NumPy int64 scalars
        XCTAssertEqual(truth.queries[0].junk, [7, 219, 45, 58])                   // int32 array
        XCTAssertEqual(truth.queries[0].boundingBox?[0] ?? 0, 250.69745322, accuracy: 1e-8)
    }

    func testPrecisionIsCappedAtTheLastRetrievedPositive() {
        // Positives {1, 2} found at ranks 1 and 2 (0-based, after removing junk 9): k' = min(k, 3).
        let score = RevisitedBenchmark.score(ranked: [5, 1, 9, 2, 7, 8], positives: [1, 2], junk: [9])!
        XCTAssertEqual(score.precisions, [0, 2.0 / 3, 2.0 / 3])
        XCTAssertEqual(score.averagePrecision, ((0 + 0.5) / 2 + (0.5 + 2.0 / 3) / 2) / 2, accuracy: 1e-15)
        XCTAssertEqual(score.hits, [false, true, true, false, false])
        XCTAssertNil(RevisitedBenchmark.score(ranked: [1, 2], positives: [], junk: []))
        XCTAssertEqual(RevisitedBenchmark.score(ranked: [3, 4], positives: [1], junk: [])?.precisions, [0, 0, 0])
        XCTAssertEqual(RevisitedBenchmark.score(ranked: [1, 2, 3], positives: [1], junk: [])?.precisions, [1, 1, 1])
    }

    func testSettingsSplitEasyHardAndJunk() {
        let query = RevisitedGroundTruth.Query(name: "q", boundingBox: nil, easy: [1], hard: [2], junk: [3])
        XCTAssertTrue(RevisitedBenchmark.split(query, .easy) == ([1], [2, 3]))
        XCTAssertTrue(RevisitedBenchmark.split(query, .medium) == ([1, 2], [3]))
        XCTAssertTrue(RevisitedBenchmark.split(query, .hard) == ([2], [1, 3]))
    }

    func testBadFilesAreNamedErrors() throws {
        let temp = try TestPaths.makeTemporaryDirectory("revisited")
        defer { try? FileManager.default.removeItem(at: temp) }
        let missing = temp.appendingPathComponent("gnd_roxford5k.pkl").path
        XCTAssertThrowsError(try RevisitedGroundTruth.read(path: missing)) {
            XCTAssertEqual($0 as? EvaluationError, .missingGroundTruth(path: missing))
        }
        // A pickle that asks for os.system('ls') is refused when the global is named.
        let evil = temp.appendingPathComponent("evil.pkl").path
        try AtomicFile.write([0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8) + [0x85, 0x52, 0x2E],
                             to: evil)
        XCTAssertThrowsError(try RevisitedGroundTruth.read(path: evil)) {
            guard case .invalidGroundTruth(evil, let reason)? = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("os.system"), reason)
        }
        // {'imlist': ['a'], 'qimlist': ['q'], 'gnd': [{'easy': [5], 'hard': [], 'junk': []}]}: index 5 is outside imlist.
        func text(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
        let outside: [UInt8] = [0x80, 0x02, 0x7D, 0x28] + text("imlist") + [0x5D] + text("a") + [0x61]
            + text("qimlist") + [0x5D] + text("q") + [0x61]
            + text("gnd") + [0x5D, 0x7D, 0x28] + text("easy") + [0x5D, 0x4B, 5, 0x61] + text("hard") + [0x5D]
            + text("junk") + [0x5D, 0x75, 0x61, 0x75, 0x2E]
        let bad = temp.appendingPathComponent("outside.pkl").path
        try AtomicFile.write(outside, to: bad)
        XCTAssertThrowsError(try RevisitedGroundTruth.read(path: bad)) {
            XCTAssertEqual($0 as? EvaluationError, .invalidGroundTruth(
                path: bad, reason: "'easy' for query q holds 5, not an index into imlist (1 entries)"))
        }
        let truncated = temp.appendingPathComponent("truncated.pkl").path
        try AtomicFile.write(Array(outside.prefix(30)), to: truncated)
        XCTAssertThrowsError(try RevisitedGroundTruth.read(path: truncated)) {
            guard case .invalidGroundTruth(truncated, _)? = $0 as? EvaluationError else { return XCTFail("\($0)") }
        }
    }
}

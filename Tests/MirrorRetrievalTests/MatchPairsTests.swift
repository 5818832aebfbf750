import Foundation
import MirrorRetrieval
import TestSupport
import XCTest

/// The match_pairs text: Python-repr scores of Double(sumF32)/R, no trailing newline.
final class MatchPairsTests: XCTestCase {
    func testScoresPrintLikePythonRepr() {
        // Double.description equals Python's repr in every case the SPEC checked.
        XCTAssertEqual(0.9598151070731027.description, "0.9598151070731027")
        XCTAssertEqual(1.0.description, "1.0")
        XCTAssertEqual(1e-05.description, "1e-05")
        XCTAssertEqual(1e16.description, "1e+16")
        XCTAssertEqual(1_000_000_000_000_000.0.description, "1000000000000000.0")
        // A README score: the float32 sum 33.593528747558594 over R=35 regions.
        let results = [[Match(index: 12, score: 33.593528747558594), Match(index: 0, score: 35)]]
        XCTAssertEqual(MatchPairs.format(results, regions: 35), "0 12 0.9598151070731027\n0 0 1.0")
    }

    func testLinesRunOverQueriesWithoutTrailingNewline() {
        let results = [[Match(index: 1, score: 2)], [], [Match(index: 0, score: 1), Match(index: 2, score: 0)]]
        XCTAssertEqual(MatchPairs.format(results, regions: 2), "0 1 1.0\n2 0 0.5\n2 2 0.0")
        XCTAssertEqual(MatchPairs.format([], regions: 2), "")
    }

    func testWriteIsAtomicAndExact() throws {
        let directory = try TestPaths.makeTemporaryDirectory("match-pairs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("match_pairs").path
        try MatchPairs.write([[Match(index: 3, score: 1.8)]], regions: 2, to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "0 3 0.8999999761581421")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["match_pairs"])
    }
}

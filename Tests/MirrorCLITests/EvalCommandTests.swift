import Foundation
import MirrorCore
import MirrorImageIO
import TestSupport
import XCTest

/// `mirror eval` end to end on tiny benchmark layouts built in a temp folder, using the SPEC's
/// worked examples as expected values.
final class EvalCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Oxford layout where query q_1's ranked list is [A, J, X, B, Y, C] → AP 0.711111.
    private func oxfordLayout(pairs: String) throws -> [String] {
        let images = try write("image_list.txt", "A\nB\nC\nJ\nX\nY\n")
        let queries = try write("query_list.txt", "q_1\n")
        _ = try write("gt/q_1_good.txt", "A\nB\n")
        _ = try write("gt/q_1_ok.txt", "C\n")
        _ = try write("gt/q_1_junk.txt", "J\n")
        let match = try write("out/match_pairs", pairs)
        return ["eval", "oxford", "--query-list", queries, "--image-list", images, "--match-pairs", match,
                "--gt-dir", directory.appendingPathComponent("gt").path]
    }

    func testOxfordTableJSONAndRankedLists() throws {
        let arguments = try oxfordLayout(pairs: "0 0 0.9\n0 3 0.8\n0 4 0.7\n0 1 0.6\n0 5 0.5\n0 2 0.4")
        let table = try ProcessRunner.mirror(arguments + ["--output-dir", directory.appendingPathComponent("ranked").path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("q_1           0.711111"), table.stdout)
        XCTAssertTrue(table.stdout.contains("mAP           0.711111"), table.stdout)
        let ranked = try String(contentsOf: directory.appendingPathComponent("ranked/q_1.txt"), encoding: .utf8)
        XCTAssertEqual(ranked, "A\nJ\nX\nB\nY\nC\n")
        let json = try ProcessRunner.mirror(arguments + ["--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["mAP"] as! Double, 0.711111, accuracy: 1e-12)
        let queries = object["queries"] as! [[String: Any]]
        XCTAssertEqual(queries.first?["name"] as? String, "q_1")
    }

    func testOutOfRangeIndexMissingGroundTruthAndMissingQueryFail() throws {
        let bad = try ProcessRunner.mirror(try oxfordLayout(pairs: "0 0 0.9\n0 17 0.8"))
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("match_pairs:2: index 17 is outside the image list"), bad.stderr)

        var arguments = try oxfordLayout(pairs: "0 0 0.9")
        try FileManager.default.removeItem(at: directory.appendingPathComponent("gt/q_1_ok.txt"))
        let missing = try ProcessRunner.mirror(arguments)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("q_1_ok.txt: ground-truth file not found"), missing.stderr)

        arguments = try oxfordLayout(pairs: "0 0 0.9")
        let queries = try write("query_list.txt", "q_1\nq_2\n")
        arguments[3] = queries
        let noResults = try ProcessRunner.mirror(arguments)
        XCTAssertEqual(noResults.status, 1)
        XCTAssertTrue(noResults.stderr.contains("query 'q_2' has no results"), noResults.stderr)
    }

    func testGL3DReportsMAPAtK() throws {
        let images = try write("list.txt", (0..<6).map { "img\($0).jpg" }.joined(separator: "\n"))
        let truth = try write("gt_pairs", "0 1\n0 2\n0 3\n0 0\n")
        let results = try write("match_pairs", "0 0 1.0\n0 1 0.9\n0 5 0.8\n0 3 0.7\n0 4 0.6")
        let result = try ProcessRunner.mirror(["eval", "gl3d", "--image-list", images, "--match-pairs", results,
                                               "--gt-pairs", truth, "--json", "--top", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["mAP@5"] as! Double, 0.527778, accuracy: 1e-6)
        XCTAssertEqual(object["num_queries"] as? Int, 1)
    }

    func testHolidaysWorkedExample() throws {
        let gt = try write("holidays_images.dat", "100000.jpg\n100001.jpg\n100002.jpg\n105600.jpg\n")
        let queries = try write("q.txt", "/data/holidays/100000.jpg\n/data/holidays/105600.jpg\n")
        let database = try write("db.txt", "/d/100000.jpg\n/d/100001.jpg\n/d/105600.jpg\n/d/100002.jpg\n")
        let pairs = try write("match_pairs", "0 0 1\n0 1 0.9\n0 2 0.8\n0 3 0.7\n1 2 1")
        let result = try ProcessRunner.mirror(["eval", "holidays", "--query-list", queries, "--db-list", database,
                                               "--match-pairs", pairs, "--gt", gt])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("100000.jpg    0.791667"), result.stdout)
    }

    /// Revisited fixture p2 (make_revisited_fixtures.py): its ranked lists as match_pairs.
    private func revisitedFixture() throws -> (gnd: String, rows: [[Int]], summary: [Double]) {
        let folder = TestPaths.fixtures.appendingPathComponent("revisited")
        let ranked = try NpyFile.read(folder.appendingPathComponent("ranked_p2.npy").path)
        let values = ranked.doubles().map { Int($0) }, width = ranked.shape[1]
        let rows = (0..<ranked.shape[0]).map { r in values[r * width..<(r + 1) * width].filter { $0 >= 0 } }
        return (folder.appendingPathComponent("gnd_fake_p2.pkl").path, rows,
                try NpyFile.read(folder.appendingPathComponent("summary_p2.npy").path).doubles())
    }

    private func matchPairs(_ rows: [[Int]]) -> String {
        rows.enumerated().flatMap { q, row in row.map { "\(q) \($0) 0.5" } }.joined(separator: "\n")
    }

    func testRevisitedMatchesTheReferenceInBothIndexOrders() throws {
        let (gnd, rows, summary) = try revisitedFixture()
        let pairs = try write("rox/match_pairs", matchPairs(rows))
        let plot = directory.appendingPathComponent("plots/rox.png").path
        let result = try ProcessRunner.mirror(["eval", "roxford5k", "--gnd", gnd, "--match-pairs", pairs, "--json", "--plot", plot])
        XCTAssertEqual(result.status, 0, result.stderr)
        func check(_ stdout: String) throws {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as! [String: Any]
            for (s, setting) in ["easy", "medium", "hard"].enumerated() {
                let values = object[setting] as! [String: Any]
                for (k, key) in ["mAP", "mP@1", "mP@5", "mP@10"].enumerated() {
                    XCTAssertEqual(values[key] as! Double, summary[s * 4 + k], accuracy: 1e-6, "\(setting) \(key)")
                }
            }
            XCTAssertEqual(object["mAP"] as! Double, summary[4], accuracy: 1e-6)   // Medium
            let queries = object["queries"] as! [[String: Any]]
            XCTAssertEqual(queries.count, 12)
            XCTAssertTrue(queries[3]["ap"] is NSNull)   // query 3 has no positives
        }
        try check(result.stdout)
        XCTAssertEqual(try ImageDecoder.decode(path: plot).width, 640)

        // The same results with the database and the queries listed (by name) in reverse order.
        let imageCount = 240
        let names = (0..<imageCount).reversed().map { String(format: "/data/jpg/img_%04d.jpg", $0) }
        let queries = (0..<12).reversed().map { String(format: "query_%02d", $0) }
        let reversed = rows.reversed().map { $0.map { imageCount - 1 - $0 } }
        let listed = try ProcessRunner.mirror([
            "eval", "roxford5k", "--gnd", gnd, "--json", "--match-pairs", try write("rox/reversed", matchPairs(Array(reversed))),
            "--image-list", try write("rox/images.txt", names.joined(separator: "\n")),
            "--query-list", try write("rox/queries.txt", queries.joined(separator: "\n"))])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        try check(listed.stdout)
        let table = try ProcessRunner.mirror(["eval", "rparis6k", "--gnd", gnd, "--match-pairs", pairs])
        XCTAssertTrue(table.stdout.contains("Medium        11       "), table.stdout)
    }

    func testRevisitedBadInputsFail() throws {
        let (gnd, rows, _) = try revisitedFixture()
        func fails(_ arguments: [String], mentioning text: String) throws {
            let result = try ProcessRunner.mirror(["eval", "roxford5k"] + arguments)
            XCTAssertEqual(result.status, 1, text)
            XCTAssertTrue(result.stderr.contains(text), result.stderr)
        }
        var outside = rows
        outside[2][5] = 240
        try fails(["--gnd", gnd, "--match-pairs", try write("a", matchPairs(outside))],
                  mentioning: "a:\(rows[0].count + rows[1].count + 6): index 240 is outside the imlist of \(gnd) (240 entries)")
        try fails(["--gnd", gnd, "--match-pairs", try write("b", matchPairs(Array(rows.prefix(11))))],
                  mentioning: "query 'query_11' has no results")
        let missing = directory.appendingPathComponent("gnd_roxford5k.pkl").path
        try fails(["--gnd", missing, "--match-pairs", try write("c", matchPairs(rows))],
                  mentioning: "\(missing): ground-truth file not found")
        try fails(["--gnd", gnd, "--match-pairs", try write("d", matchPairs(rows)), "--image-list",
                   try write("l", ((0..<239).map { String(format: "img_%04d", $0) } + ["img_9999"]).joined(separator: "\n"))],
                  mentioning: "image 'img_9999' is not in the imlist of \(gnd)")
    }

    func testMissingRequiredListIsAUsageError() throws {
        let result = try ProcessRunner.mirror(["eval", "oxford", "--match-pairs", "x"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("missing required option '--query-list'"), result.stderr)
    }
}

import Foundation
import MirrorCore
import TestSupport
import XCTest

/// `mirror index` / `mirror query` / `mirror pairs` end to end: every case of the NumPy/scikit-learn
/// reference (Fixtures/retrieval/cases.tsv) through the command line, both the seed's build-on-the-fly
/// path and index → query, and the bad-input contract (clear error, exit 1, nothing overwritten).
final class QueryCommandTests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("retrieval")
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func cases() throws -> [[String: String]] {
        let lines = try String(contentsOf: fixtures.appendingPathComponent("cases.tsv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let header = lines[0].dropFirst(2).split(separator: "\t").map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    /// The case's options, in the seed's snake_case spelling where it has one.
    private func options(_ c: [String: String]) -> [String] {
        var out = ["--dataset_root", fixtures.path, "--top", c["top"]!]
        if c["query_list"] != "-" { out += ["--query_list", fixtures.appendingPathComponent(c["query_list"]!).path] }
        if c["aml"] == "1" { out.append("--aml") }
        if c["euclidean"] == "1" { out.append("--euclidean_dist") }
        if c["aggregation"] == "rmac" { out.append("--rmac") }
        if c["aggregation"] == "mac" { out.append("--mac") }
        if c["out_dim"] != "-" { out += ["--out_dim", c["out_dim"]!] }
        if c["pca_thresh"] != "-" { out += ["--pca_thresh", c["pca_thresh"]!] }
        if c["solver"] != "-" { out += ["--pca-solver", c["solver"]!] }
        if c["pca_file"] != "-" { out += ["--pca_file", fixtures.appendingPathComponent(c["pca_file"]!).path] }
        if c["qe"] != "0" { out += ["--qe", c["qe"]!, "--et", c["et"]!] }
        return out
    }

    private func assertSameResults(_ got: String, _ expected: String, tolerance: Double, _ label: String) {
        XCTAssertFalse(got.hasSuffix("\n"), "\(label): match_pairs must not end in a newline")
        let a = got.split(separator: "\n"), b = expected.split(separator: "\n")
        XCTAssertEqual(a.count, b.count, label)
        for (x, y) in zip(a, b) {
            let p = x.split(separator: " "), q = y.split(separator: " ")
            XCTAssertEqual(p[0...1], q[0...1], "\(label): ranking differs at '\(x)' vs '\(y)'")
            XCTAssertEqual(Double(p[2])!, Double(q[2])!, accuracy: tolerance, "\(label): \(x) vs \(y)")
        }
    }

    func testEveryReferenceCaseThroughTheCommandLine() throws {
        for c in try cases() {
            let name = c["name"]!
            let out = directory.appendingPathComponent(name).path
            let list = fixtures.appendingPathComponent(c["db_list"]!).path
            let result = try ProcessRunner.mirror(["query", "--feature_list", list, "--out_dir", out, "--quiet"] + options(c))
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let expected = try String(contentsOf: fixtures.appendingPathComponent("expected/\(name).txt"), encoding: .utf8)
            let got = try String(contentsOfFile: out + "/match_pairs", encoding: .utf8)
            assertSameResults(got, expected, tolerance: c["euclidean"] == "1" ? 1e-4 : 1e-6, name)
        }
    }

    func testIndexThenQueryEqualsBuildingOnTheFly() throws {
        for name in ["a_qe2", "b_seed16", "a_euclidean"] {
            let c = try cases().first { $0["name"] == name }!
            let index = directory.appendingPathComponent("\(name).index").path
            let list = fixtures.appendingPathComponent(c["db_list"]!).path
            var indexArgs = ["index", "--feature-list", list, "--out", index, "--quiet", "--dataset-root", fixtures.path]
            for (flag, key) in [("--out-dim", "out_dim"), ("--pca-solver", "solver")] where c[key] != "-" { indexArgs += [flag, c[key]!] }
            if c["euclidean"] == "1" { indexArgs.append("--euclidean-dist") }
            XCTAssertEqual(try ProcessRunner.mirror(indexArgs).status, 0, name)
            var queryArgs = ["query", "--index", index, "--out-dir", directory.appendingPathComponent(name).path,
                             "--top", c["top"]!, "--quiet", "--dataset-root", fixtures.path]
            if c["query_list"] != "-" { queryArgs += ["--query-list", fixtures.appendingPathComponent(c["query_list"]!).path] }
            if c["qe"] != "0" { queryArgs += ["--qe", c["qe"]!, "--et", c["et"]!] }
            let result = try ProcessRunner.mirror(queryArgs)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let expected = try String(contentsOf: fixtures.appendingPathComponent("expected/\(name).txt"), encoding: .utf8)
            assertSameResults(try String(contentsOfFile: directory.appendingPathComponent("\(name)/match_pairs").path, encoding: .utf8),
                              expected, tolerance: c["euclidean"] == "1" ? 1e-4 : 1e-6, "index → query \(name)")
        }
    }

    /// A float16 index (`index --half`) queried through a shortlist (`--shortlist`): every score
    /// it prints is within 1e-3 (per region) of the NumPy reference's score for the same pair,
    /// each image still finds itself first, and a bad --shortlist is a usage error.
    func testHalfIndexAndShortlistKeepTheReferenceScores() throws {
        let c = try cases().first { $0["name"] == "b_seed16" }!
        let index = directory.appendingPathComponent("half.index").path
        let list = fixtures.appendingPathComponent(c["db_list"]!).path
        let built = try ProcessRunner.mirror(["index", "--feature-list", list, "--out", index, "--dataset-root", fixtures.path,
                                              "--out-dim", "16", "--pca-solver", "seed", "--half"])
        XCTAssertEqual(built.status, 0, built.stderr)
        XCTAssertTrue(built.stderr.contains("float16"), built.stderr)
        let out = directory.appendingPathComponent("short").path
        let result = try ProcessRunner.mirror(["query", "--index", index, "--out-dir", out, "--top", "12", "--shortlist", "20",
                                               "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        func scores(_ text: String) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: text.split(separator: "\n").map { line in
                let p = line.split(separator: " ")
                return ("\(p[0]) \(p[1])", Double(p[2])!)
            })
        }
        let expected = scores(try String(contentsOf: fixtures.appendingPathComponent("expected/b_seed16.txt"), encoding: .utf8))
        let lines = try String(contentsOfFile: out + "/match_pairs", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 40 * 12)
        for (key, score) in scores(lines.joined(separator: "\n")) {
            guard let reference = expected[key] else { continue }   // beyond the reference's top 12
            XCTAssertEqual(score, reference, accuracy: 1e-3, key)
        }
        for q in 0..<40 { XCTAssertTrue(lines[q * 12].hasPrefix("\(q) \(q) "), String(lines[q * 12])) }

        let bad = try ProcessRunner.mirror(["query", "--index", index, "--out-dir", out, "--shortlist", "many"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--shortlist"), bad.stderr)
    }

    func testBadInputsFailClearlyAndOverwriteNothing() throws {
        let good = fixtures.appendingPathComponent("a.txt").path
        let index = directory.appendingPathComponent("a.index").path
        XCTAssertEqual(try ProcessRunner.mirror(["index", "--feature-list", good, "--dataset-root", fixtures.path,
                                                 "--out", index, "--quiet"]).status, 0)
        let original = FileManager.default.contents(atPath: index)

        func fails(_ arguments: [String], mentioning text: String, _ label: String) throws {
            let result = try ProcessRunner.mirror(arguments)
            XCTAssertEqual(result.status, 1, "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(text), "\(label): \(result.stderr)")
            XCTAssertEqual(FileManager.default.contents(atPath: index), original, "\(label) touched the index")
        }
        // Mixed shapes: one file of list b among list a's.
        let a = try TextList(fixtures.appendingPathComponent("a.txt").path), b = try TextList(fixtures.appendingPathComponent("b.txt").path)
        let mixed = directory.appendingPathComponent("mixed.txt").path
        try ([a.first, b.first].joined(separator: "\n")).write(toFile: mixed, atomically: true, encoding: .utf8)
        try fails(["index", "--feature-list", mixed, "--dataset-root", fixtures.path, "--out", index], mentioning: b.first, "mixed shapes")
        let empty = directory.appendingPathComponent("empty.txt").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        try fails(["index", "--feature-list", empty, "--out", index], mentioning: empty, "empty list")
        let missing = directory.appendingPathComponent("missing.txt").path
        try "a/img_00.npy\na/nope.npy\n".write(toFile: missing, atomically: true, encoding: .utf8)
        try fails(["index", "--feature-list", missing, "--dataset-root", fixtures.path, "--out", index], mentioning: "nope.npy", "missing file")

        // A corrupted and a truncated copy of the index.
        var bytes = [UInt8](original!)
        let corrupted = directory.appendingPathComponent("corrupted.index").path
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: corrupted))
        try fails(["query", "--index", corrupted, "--out-dir", directory.path], mentioning: corrupted, "corrupted index")
        let truncated = directory.appendingPathComponent("truncated.index").path
        try Data(original!.prefix(original!.count - 100)).write(to: URL(fileURLWithPath: truncated))
        try fails(["query", "--index", truncated, "--out-dir", directory.path], mentioning: truncated, "truncated index")
        // Query features of another dimension.
        try fails(["query", "--index", index, "--query-list", fixtures.appendingPathComponent("b.txt").path,
                   "--dataset-root", fixtures.path, "--out-dir", directory.path], mentioning: "b/", "query dimension")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("match_pairs").path))
    }

    func testPairListsForReconstructionTools() throws {
        let list = fixtures.appendingPathComponent("a.txt").path
        let names = directory.appendingPathComponent("names.txt").path
        let count = try TextList(list).lines.count
        try (0..<count).map { "dir/view \($0).jpg" }.joined(separator: "\n").write(toFile: names, atomically: true, encoding: .utf8)
        let base = ["query", "--feature-list", list, "--dataset-root", fixtures.path, "--out-dir", directory.path, "--top", "4", "--quiet"]
        let colmap = directory.appendingPathComponent("colmap.txt").path
        let spaced = try ProcessRunner.mirror(base + ["--pairs-out", colmap, "--image-list", names])
        XCTAssertEqual(spaced.status, 1)
        XCTAssertTrue(spaced.stderr.contains("'dir/view 0.jpg' contains white space"), spaced.stderr)
        XCTAssertEqual(try ProcessRunner.mirror(base + ["--pairs-out", colmap]).status, 0)
        let pairs = try String(contentsOfFile: colmap, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertFalse(pairs.isEmpty)
        XCTAssertTrue(pairs.allSatisfy { $0.count == 2 && $0[0] != $0[1] }, "self pairs or bad lines")
        XCTAssertEqual(Set(pairs.map { Set($0) }).count, pairs.count, "colmap pairs must be unique and unordered")
        let tsv = directory.appendingPathComponent("pairs.tsv").path
        XCTAssertEqual(try ProcessRunner.mirror(base + ["--pairs-out", tsv, "--format", "tsv", "--image-list", names,
                                                        "--min-score", "0.5"]).status, 0)
        let rows = try String(contentsOfFile: tsv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t") }
        XCTAssertTrue(rows.allSatisfy { $0.count == 3 && Double($0[2])! >= 0.5 && $0[0].hasPrefix("dir/view ") })
    }

    /// The README's main job on the bundled demo: every true overlapping pair is found in the top 5.
    func testPairsOnTheDemoFindsEveryOverlappingPair() throws {
        let demo = try TestPaths.copyDemo(into: directory)
        let out = directory.appendingPathComponent("pairs.txt").path
        let result = try ProcessRunner.mirror(["pairs", demo.path, "--top", "5", "--out", out, "--quiet"],
                                              currentDirectory: TestPaths.repositoryRoot)
        XCTAssertEqual(result.status, 0, result.stderr)
        let found = Set(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { Set($0.split(separator: " ")) })
        let truth = try String(contentsOf: demo.appendingPathComponent("ground_truth_pairs.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { Set($0.split(separator: " ").prefix(2)) }
        XCTAssertEqual(truth.count, 39)
        for pair in truth { XCTAssertTrue(found.contains(pair), "missed \(pair)") }
        // A second run reuses every feature.
        let again = try ProcessRunner.mirror(["pairs", demo.path, "--top", "5", "--out", out], currentDirectory: TestPaths.repositoryRoot)
        XCTAssertTrue(again.stderr.contains("20 of 20 already done"), again.stderr)
        // Other settings never reuse them (FeatureCache: one subfolder per model and settings).
        let other = try ProcessRunner.mirror(["pairs", demo.path, "--top", "5", "--out", out, "--img-size", "448"],
                                             currentDirectory: TestPaths.repositoryRoot)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("20 written, 0 already done"), other.stderr)
        let folders = try FileManager.default.contentsOfDirectory(atPath: demo.appendingPathComponent(".mirror-features").path)
        XCTAssertEqual(folders.count, 2, "\(folders)")
    }

    /// `pairs` keys features by the SHA-256 of the image bytes: renamed and moved photos reuse
    /// theirs, an edited photo is extracted again, and the pair list uses the new names.
    func testPairsReusesFeaturesOfMovedPhotosAndRedoesEditedOnes() throws {
        let demo = try TestPaths.copyDemo(into: directory)
        let out = directory.appendingPathComponent("pairs.txt").path
        let run = { try ProcessRunner.mirror(["pairs", demo.path, "--top", "3", "--out", out, "--img-size", "224"],
                                             currentDirectory: TestPaths.repositoryRoot) }
        let first = try run()
        XCTAssertTrue(first.stderr.contains("20 written, 0 already done"), first.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
        let manager = FileManager.default
        try manager.moveItem(at: demo.appendingPathComponent(names[0]), to: demo.appendingPathComponent("renamed-" + names[0]))
        try manager.createDirectory(at: demo.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try manager.moveItem(at: demo.appendingPathComponent(names[1]), to: demo.appendingPathComponent("sub/" + names[1]))
        let moved = try run()
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertTrue(moved.stderr.contains("0 written, 20 already done"), moved.stderr)
        let listed = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(listed.contains("renamed-" + names[0]) && listed.contains("sub/" + names[1]), listed)
        XCTAssertFalse(listed.contains(" " + names[0] + "\n") || listed.hasPrefix(names[0] + " "), listed)

        let edited = demo.appendingPathComponent(names[2])
        let handle = try FileHandle(forWritingTo: edited)
        handle.seekToEndOfFile()
        handle.write(Data([0]))   // a trailing byte: same picture, other bytes
        try handle.close()
        let again = try run()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("1 written, 19 already done"), again.stderr)
    }
}

/// A feature list's lines (for building test inputs).
private struct TextList {
    let lines: [String]
    init(_ path: String) throws {
        lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }
    var first: String { lines[0] }
}

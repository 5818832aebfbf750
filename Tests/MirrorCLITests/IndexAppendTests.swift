import Foundation
import MirrorCore
import TestSupport
import XCTest

/// `mirror index --add`: appending equals a from-scratch build with the same PCA, byte for byte;
/// `--refit-pca` equals a from-scratch build with a refitted one; bad additions change nothing;
/// a killed `--add` leaves a readable index.
final class IndexAppendTests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("retrieval")
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The 40 lines of b.txt split into the first `count` and the rest, as two list files.
    private func splitList(first count: Int) throws -> (all: String, old: String, new: String) {
        let all = fixtures.appendingPathComponent("b.txt").path
        let lines = try TextList.read(all)
        let old = directory.appendingPathComponent("old.txt").path, new = directory.appendingPathComponent("new.txt").path
        try AtomicFile.write(Array(lines.prefix(count).map { $0 + "\n" }.joined().utf8), to: old)
        try AtomicFile.write(Array(lines.dropFirst(count).map { $0 + "\n" }.joined().utf8), to: new)
        return (all, old, new)
    }

    private func mirror(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.mirror(arguments + ["--dataset-root", fixtures.path])
    }

    private func bytes(_ path: String) throws -> [UInt8] { try AtomicFile.read(path) }

    func testAddingEqualsBuildingEverythingWithTheSamePCAByteForByte() throws {
        let (all, old, new) = try splitList(first: 36)   // 10 % new
        let pcaFile = fixtures.appendingPathComponent("pca/b_exact16.npy").path
        for half in [false, true] {
            let label = half ? "float16" : "float32"
            let index = directory.appendingPathComponent("grown-\(label).index").path
            let scratch = directory.appendingPathComponent("scratch-\(label).index").path
            let extra = half ? ["--half"] : []
            XCTAssertEqual(try mirror(["index", "--feature-list", old, "--pca-file", pcaFile, "--out", index, "--quiet"] + extra).status, 0)
            let added = try mirror(["index", "--add", new, "--index", index])
            XCTAssertEqual(added.status, 0, added.stderr)
            XCTAssertTrue(added.stderr.contains("4 images added to 36"), added.stderr)
            XCTAssertEqual(try mirror(["index", "--feature-list", all, "--pca-file", pcaFile, "--out", scratch, "--quiet"] + extra).status, 0)
            XCTAssertEqual(try bytes(index), try bytes(scratch), label)
        }
    }

    func testRefitEqualsAFreshBuildAndKeepsTheOutputDimension() throws {
        let (all, old, new) = try splitList(first: 30)
        let index = directory.appendingPathComponent("db.index").path
        let refitted = directory.appendingPathComponent("refit.index").path
        let scratch = directory.appendingPathComponent("scratch.index").path
        XCTAssertEqual(try mirror(["index", "--feature-list", old, "--out-dim", "8", "--out", index, "--quiet"]).status, 0)
        let before = try bytes(index)
        let result = try mirror(["index", "--add", new, "--index", index, "--refit-pca", "--out", refitted])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try mirror(["index", "--feature-list", all, "--out-dim", "8", "--out", scratch, "--quiet"]).status, 0)
        XCTAssertEqual(try bytes(refitted), try bytes(scratch))
        XCTAssertEqual(try bytes(index), before, "--out leaves the original alone")
    }

    func testBadAdditionsFailClearlyAndLeaveTheIndexAlone() throws {
        let (_, old, new) = try splitList(first: 30)
        let index = directory.appendingPathComponent("db.index").path
        XCTAssertEqual(try mirror(["index", "--feature-list", old, "--out", index, "--quiet"]).status, 0)
        let before = try bytes(index)

        let again = try mirror(["index", "--add", old, "--index", index])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already in the index \(index)"), again.stderr)

        let otherShape = directory.appendingPathComponent("other.txt").path
        try AtomicFile.write(Array(try TextList.read(fixtures.appendingPathComponent("a.txt").path).prefix(2).map { $0 + "\n" }.joined().utf8),
                             to: otherShape)
        let shape = try mirror(["index", "--add", otherShape, "--index", index])
        XCTAssertEqual(shape.status, 1)
        XCTAssertTrue(shape.stderr.contains("the index has"), shape.stderr)

        let setting = try mirror(["index", "--add", new, "--index", index, "--out-dim", "4"])
        XCTAssertEqual(setting.status, 2)
        XCTAssertTrue(setting.stderr.contains("--out-dim cannot change an index by --add"), setting.stderr)
        XCTAssertEqual(try mirror(["index", "--add", new]).status, 2, "--add needs --index")

        var corrupted = before
        corrupted[corrupted.count / 2] ^= 0x40
        let broken = directory.appendingPathComponent("broken.index").path
        try AtomicFile.write(corrupted, to: broken)
        let damaged = try mirror(["index", "--add", new, "--index", broken])
        XCTAssertEqual(damaged.status, 1)
        XCTAssertTrue(damaged.stderr.contains("\(broken): corrupted index"), damaged.stderr)
        XCTAssertEqual(try bytes(index), before)
    }

    /// SIGKILL at some moment of `--add`: the index is then the old one or the complete new one,
    /// never a partial file (atomic replace), and it reads and verifies.
    func testAKilledAddLeavesAUsableIndex() throws {
        let (_, old, new) = try splitList(first: 30)
        let index = directory.appendingPathComponent("db.index").path
        XCTAssertEqual(try mirror(["index", "--feature-list", old, "--out", index, "--quiet"]).status, 0)
        let before = try bytes(index)
        for delay in [0.0, 0.01, 0.03] {
            let process = try ProcessRunner.start(["index", "--add", new, "--index", index, "--dataset-root", fixtures.path])
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try bytes(index)
            let listed = try mirror(["query", "--index", index, "--out-dir", directory.appendingPathComponent("q").path, "--top", "2", "--quiet"])
            XCTAssertEqual(listed.status, 0, "delay \(delay): \(listed.stderr)")
            if now != before { break }   // the add finished before the kill: the new index is complete
        }
    }
}

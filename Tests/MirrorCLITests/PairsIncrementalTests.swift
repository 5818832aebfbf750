import Foundation
import MirrorCore
import TestSupport
import XCTest

/// `mirror pairs` on a growing collection: the run's index is kept beside the features, a re-run
/// extracts only new photos (not renamed or moved ones), and `--new-only` writes exactly the full
/// run's pairs that involve a new photo, so the last run's pairs plus these hold every pair of the
/// full run (`PairsState`).
final class PairsIncrementalTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Unordered pairs of a pair list, with `renames` applied to the names.
    private func pairs(_ path: URL, renames: [String: String] = [:]) throws -> Set<[String]> {
        let text = try String(contentsOf: path, encoding: .utf8)
        return Set(text.split(separator: "\n").map { line in
            line.split(separator: " ").map { renames[String($0)] ?? String($0) }.sorted()
        })
    }

    func testNewOnlyPairsAreTheFullRunsPairsThatInvolveNewPhotos() throws {
        let demo = try TestPaths.copyDemo(into: directory)
        let manager = FileManager.default
        let names = try manager.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".jpg") }.sorted()
        XCTAssertEqual(names.count, 20)
        let added = [names[4], names[13]]   // 10 % of the collection arrives later
        let held = directory.appendingPathComponent("later")
        try manager.createDirectory(at: held, withIntermediateDirectories: true)
        for name in added { try manager.moveItem(at: demo.appendingPathComponent(name), to: held.appendingPathComponent(name)) }
        // --out-dim 8: the PCA is on (20 images > 8), so keeping it is what is tested.
        let run = { (out: String, extra: [String]) in
            try ProcessRunner.mirror(["pairs", demo.path, "--top", "4", "--img-size", "224", "--out-dim", "8",
                                      "--out", self.directory.appendingPathComponent(out).path] + extra,
                                     currentDirectory: TestPaths.repositoryRoot)
        }
        let first = try run("old.txt", [])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("18 written, 0 already done"), first.stderr)

        // The new photos arrive; one earlier photo is renamed and one moved into a subfolder.
        for name in added { try manager.moveItem(at: held.appendingPathComponent(name), to: demo.appendingPathComponent(name)) }
        try manager.moveItem(at: demo.appendingPathComponent(names[0]), to: demo.appendingPathComponent("renamed.jpg"))
        try manager.createDirectory(at: demo.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try manager.moveItem(at: demo.appendingPathComponent(names[1]), to: demo.appendingPathComponent("sub/" + names[1]))
        let renames = [names[0]: "renamed.jpg", names[1]: "sub/" + names[1]]
        let state = demo.appendingPathComponent(".mirror-features")
        let snapshot = directory.appendingPathComponent("state-after-first-run")
        try manager.copyItem(at: state, to: snapshot)

        let newOnly = try run("new.txt", ["--new-only"])
        XCTAssertEqual(newOnly.status, 0, newOnly.stderr)
        XCTAssertTrue(newOnly.stderr.contains("2 written, 18 already done"), newOnly.stderr)
        XCTAssertTrue(newOnly.stderr.contains("2 of 20 images new since the last run"), newOnly.stderr)

        // The full run from the same last run.
        try manager.removeItem(at: state)
        try manager.copyItem(at: snapshot, to: state)
        let full = try run("full.txt", [])
        XCTAssertEqual(full.status, 0, full.stderr)

        let old = try pairs(directory.appendingPathComponent("old.txt"), renames: renames)
        let fresh = try pairs(directory.appendingPathComponent("new.txt"))
        let all = try pairs(directory.appendingPathComponent("full.txt"))
        XCTAssertFalse(fresh.isEmpty)
        XCTAssertEqual(fresh, all.filter { !Set($0).isDisjoint(with: added) }, "new-only = the full run's pairs with a new photo")
        XCTAssertTrue(all.isSubset(of: old.union(fresh)), "old + new-only cover the full run: \(all.subtracting(old.union(fresh)))")
        XCTAssertTrue(all.filter { Set($0).isDisjoint(with: added) }.isSubset(of: old), "pairs between earlier photos were all listed before")

        // Nothing new: an empty list. A damaged state is only a cache: a notice, and every photo counts as new.
        let nothing = try run("none.txt", ["--new-only"])
        XCTAssertEqual(nothing.status, 0, nothing.stderr)
        XCTAssertTrue(nothing.stderr.contains("0 of 20 images new"), nothing.stderr)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("none.txt")).count, 0)
        let stateFile = try XCTUnwrap(manager.subpathsOfDirectory(atPath: state.path).first { $0.hasSuffix(".index") })
        let statePath = state.appendingPathComponent(stateFile).path
        try AtomicFile.write(Array(try AtomicFile.read(statePath).dropLast(5)), to: statePath)
        let damaged = try run("damaged.txt", ["--new-only"])
        XCTAssertEqual(damaged.status, 0, damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains(statePath) && damaged.stderr.contains("rebuilt"), damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains("20 of 20 images new"), damaged.stderr)

        // --refit-pca changes pairs between earlier photos, so --new-only then lists every pair.
        let refit = try run("refit.txt", ["--new-only", "--refit-pca"])
        XCTAssertEqual(refit.status, 0, refit.stderr)
        XCTAssertTrue(refit.stderr.contains("writes every pair"), refit.stderr)
        XCTAssertEqual(try pairs(directory.appendingPathComponent("refit.txt")).count,
                       try pairs(directory.appendingPathComponent("damaged.txt")).count)
    }
}

import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// `RetrievalIndex.reused`, the path of a `mirror pairs` re-run: the index over a changed
/// collection equals a from-scratch build over it with the same PCA, byte for byte, whichever
/// images were kept, reordered, dropped or added.
final class IndexReuseTests: XCTestCase {
    let fixtures = TestPaths.fixtures.appendingPathComponent("retrieval")

    private func load(_ entries: [String]) throws -> FeatureSet {
        try FeatureSet.load(entries: entries, root: fixtures.path)
    }

    func testReusedIndexEqualsAFreshBuildWithTheSamePCA() throws {
        let all = try TextList.read(fixtures.appendingPathComponent("b.txt").path)   // 40 images
        let pca = PCAConfig(file: fixtures.appendingPathComponent("pca/b_exact16.npy").path)
        let last = try RetrievalIndex.build(features: try load(Array(all.prefix(30))), pca: pca)
        // The next run: three earlier images are gone, the rest come in another order, ten are new.
        let kept = Array(all.prefix(30).dropFirst(3).reversed())
        let entries = Array(all.suffix(10).prefix(5)) + kept + Array(all.suffix(5))
        var loaded: [[String]] = []
        let (index, isNew) = try last.reused(for: entries, key: { $0 }) { loaded.append($0); return try self.load($0) }

        let scratch = try RetrievalIndex.build(features: try load(entries), pca: pca)
        XCTAssertEqual(index.entries, entries)
        XCTAssertEqual(index.encoded(), scratch.encoded(), "vectors, PCA and header equal a fresh build")
        XCTAssertEqual(isNew, entries.map { !all.prefix(30).contains($0) })
        XCTAssertEqual(loaded, [Array(all.suffix(10))], "only the new images are read, once")
    }

    /// Entries are matched by their content key: a feature file under another folder (a moved
    /// photo's) is not new, and a float16 last run is widened back.
    func testHeldEntriesAreMatchedByKeyAndNothingIsReadWhenNoneIsNew() throws {
        let all = try TextList.read(fixtures.appendingPathComponent("b.txt").path)
        let last = try RetrievalIndex.build(features: try load(Array(all.prefix(12))), pca: PCAConfig(outDim: 8))
        let basename = { (entry: String) in (entry as NSString).lastPathComponent }
        let moved = all.prefix(12).map { "elsewhere/" + basename($0) }
        let (index, isNew) = try last.reused(for: moved, key: basename) { _ in
            XCTFail("nothing should be read"); return try self.load([])
        }
        XCTAssertEqual(isNew, Array(repeating: false, count: 12))
        XCTAssertEqual(index.vectors.float32Values(), last.vectors.float32Values())

        let half = last.halfPrecision()
        let widened = try half.reused(for: Array(all.prefix(12)), key: { $0 }) { try self.load($0) }.index
        XCTAssertEqual(widened.vectors.precision, .float32)
        XCTAssertEqual(widened.vectors.float32Values(), half.vectors.float32Values())
    }
}

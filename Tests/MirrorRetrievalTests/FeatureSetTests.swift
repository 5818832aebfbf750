import Foundation
import MirrorCore
@testable import MirrorRetrieval
import TestSupport
import XCTest

/// read_feature semantics, normalisation edge cases, and typed errors that name the file.
final class FeatureSetTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory("features") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a float32 `[D, R]` feature and returns its file name.
    @discardableResult
    private func feature(_ name: String, _ values: [Float], shape: [Int]) throws -> String {
        try NpyFile.write(NpyArray(floats: values, shape: shape), to: directory.appendingPathComponent(name).path)
        return name
    }

    func testRowsAreTransposedAndModesAggregate() throws {
        // [D=3, R=2]: region 0 = (1, 2, 3), region 1 = (10, 20, 30).
        try feature("x.npy", [1, 10, 2, 20, 3, 30], shape: [3, 2])
        let root = directory.path
        XCTAssertEqual(try FeatureSet.load(entries: ["x.npy"], root: root).values, [1, 2, 3, 10, 20, 30])
        XCTAssertEqual(try FeatureSet.load(entries: ["x.npy"], root: root, aggregation: .rmac).values, [11, 22, 33])
        let mac = try FeatureSet.load(entries: ["x.npy"], root: root, aggregation: .mac)
        XCTAssertEqual(mac.values, [1, 2, 3])
        XCTAssertEqual(mac.regions, 1)
        XCTAssertEqual(mac.names, ["x"])
    }

    func testUnitAxesAreSqueezed() throws {
        try feature("one.npy", [1, 2, 3, 4], shape: [4, 1])
        try feature("flat.npy", [5, 6, 7, 8], shape: [1, 4])
        let set = try FeatureSet.load(entries: ["one.npy", "flat.npy"], root: directory.path)
        XCTAssertEqual(set.regions, 1)
        XCTAssertEqual(set.dims, 4)
        XCTAssertEqual(set.values, [1, 2, 3, 4, 5, 6, 7, 8])
    }

    func testNormalisationKeepsZeroRowsAndZeroesNaNRows() {
        var rows: [Double] = [0, 0, 3, 4, .nan, 1, .infinity, 1]
        L2Normalization.normalizeRows(&rows, dims: 2)
        XCTAssertEqual(rows, [0, 0, 0.6, 0.8, 0, 0, 0, 0])
        var floats: [Float] = [0, 0, 0, 2]
        L2Normalization.normalizeRows(&floats, dims: 2)
        XCTAssertEqual(floats, [0, 0, 0, 1])
    }

    func testDifferentShapesNameTheOffendingFile() throws {
        try feature("a.npy", [Float](repeating: 1, count: 6), shape: [3, 2])
        try feature("b.npy", [Float](repeating: 1, count: 9), shape: [3, 3])
        XCTAssertThrowsError(try FeatureSet.load(entries: ["a.npy", "b.npy"], root: directory.path)) {
            XCTAssertEqual($0 as? RetrievalError,
                           .featureShapeMismatch(path: directory.appendingPathComponent("b.npy").path, expected: [3, 2], actual: [3, 3]))
        }
    }

    func testEmptyListMissingFileAndBadShapeAreTypedErrors() throws {
        let list = directory.appendingPathComponent("empty.txt").path
        try AtomicFile.write(Array("\n  \n".utf8), to: list)
        XCTAssertThrowsError(try FeatureSet.load(listFile: list)) {
            XCTAssertEqual($0 as? RetrievalError, .emptyFeatureList(list: list))
        }
        XCTAssertThrowsError(try FeatureSet.load(entries: ["missing.npy"], root: directory.path)) {
            XCTAssertEqual($0 as? RetrievalError,
                           .unreadableFeature(path: directory.appendingPathComponent("missing.npy").path, reason: "no such file"))
        }
        try feature("cube.npy", [Float](repeating: 1, count: 8), shape: [2, 2, 2])
        XCTAssertThrowsError(try FeatureSet.load(entries: ["cube.npy"], root: directory.path)) {
            XCTAssertEqual($0 as? RetrievalError,
                           .invalidFeatureShape(path: directory.appendingPathComponent("cube.npy").path, shape: [2, 2, 2]))
        }
        try AtomicFile.write(Array("not numpy".utf8), to: directory.appendingPathComponent("junk.npy").path)
        XCTAssertThrowsError(try FeatureSet.load(entries: ["junk.npy"], root: directory.path)) {
            guard case .unreadableFeature(let path, _)? = $0 as? RetrievalError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, self.directory.appendingPathComponent("junk.npy").path)
        }
    }

    func testQueriesMustMatchTheIndex() throws {
        try feature("db.npy", [1, 2, 3, 4, 5, 6], shape: [3, 2])
        try feature("q3.npy", [1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [3, 3])
        try feature("q4.npy", [1, 2, 3, 4, 5, 6, 7, 8], shape: [4, 2])
        let root = directory.path
        let index = try RetrievalIndex.build(features: FeatureSet.load(entries: ["db.npy"], root: root), pca: .none)
        XCTAssertThrowsError(try index.prepareQueries(FeatureSet.load(entries: ["q4.npy"], root: root))) {
            XCTAssertEqual($0 as? RetrievalError, .queryShapeMismatch(path: root + "/q4.npy", expectedRegions: 2, expectedDims: 3,
                                                                      actualRegions: 2, actualDims: 4))
        }
        XCTAssertThrowsError(try index.prepareQueries(FeatureSet.load(entries: ["q3.npy"], root: root))) {
            XCTAssertEqual($0 as? RetrievalError, .queryShapeMismatch(path: root + "/q3.npy", expectedRegions: 2, expectedDims: 3,
                                                                      actualRegions: 3, actualDims: 3))
        }
        let rmacIndex = try RetrievalIndex.build(features: FeatureSet.load(entries: ["db.npy"], root: root, aggregation: .rmac), pca: .none)
        XCTAssertThrowsError(try rmacIndex.prepareQueries(FeatureSet.load(entries: ["db.npy"], root: root, aggregation: .mac))) {
            guard case .queryModeMismatch(let path, _)? = $0 as? RetrievalError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, root + "/db.npy")
        }
    }

    func testEuclideanIndexRejectsNaNNamingTheFile() throws {
        let root = RetrievalCase.directory.path
        let features = try FeatureSet.load(listFile: root + "/a.txt", root: root)
        XCTAssertThrowsError(try RetrievalIndex.build(features: features, pca: .none, normalizeInput: false)) {
            XCTAssertEqual($0 as? RetrievalError, .nonFiniteFeature(path: root + "/a/img_05.npy"))
        }
    }

    func testPathsJoinLikePythonAndNamesAreStems() {
        XCTAssertEqual(TextList.join("/data", "x/y.npy"), "/data/x/y.npy")
        XCTAssertEqual(TextList.join("/data/", "y.npy"), "/data/y.npy")
        XCTAssertEqual(TextList.join("/data", "/abs/y.npy"), "/abs/y.npy")
        XCTAssertEqual(TextList.join(nil, "y.npy"), "y.npy")
        XCTAssertEqual(FeatureSet.stem("dir/all_souls_000013.npy"), "all_souls_000013")
        XCTAssertEqual(FeatureSet.stem("a.b/img.01.npy"), "img.01")
        XCTAssertEqual(FeatureSet.stem(".hidden"), ".hidden")
    }

    func testRMACUsesNumPysPairwiseFloat32Sum() {
        // 35 regions: 8 interleaved partial sums, a tree, then 3 sequential additions.
        let values: [Float] = (0..<35).map { 1 + Float($0) * 1e-7 + ($0 % 3 == 0 ? 1e4 : 0) }
        var partial = [Float](values[0..<8])
        for i in stride(from: 8, to: 32, by: 8) { for j in 0..<8 { partial[j] += values[i + j] } }
        var expected = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
        for i in 32..<35 { expected += values[i] }
        XCTAssertEqual(NumPyReduction.pairwiseSum(values[...]), expected)
    }
}

import Foundation
import MirrorCore
@testable import MirrorRetrieval
import TestSupport
import XCTest

/// The index file round-trips and rejects damaged files with typed errors naming them.
final class IndexFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory("index") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixtureIndex(_ config: PCAConfig) throws -> RetrievalIndex {
        let root = RetrievalCase.directory.path
        return try RetrievalIndex.build(features: FeatureSet.load(listFile: root + "/b.txt", root: root), pca: config)
    }

    func testRoundTripWithAndWithoutPCA() throws {
        for config in [PCAConfig(outDim: 16, solver: .seed), .none] {
            let index = try fixtureIndex(config)
            let path = directory.appendingPathComponent("db.index").path
            try index.write(to: path)
            let back = try RetrievalIndex.read(from: path)
            XCTAssertEqual(back.entries, index.entries)
            XCTAssertEqual(back.regions, 15)
            XCTAssertEqual(back.inputDims, 64)
            XCTAssertEqual(back.dims, config.outDim ?? 64)
            XCTAssertEqual(back.aggregation, .regional)
            XCTAssertTrue(back.normalizesInput)
            XCTAssertEqual(back.pca, index.pca)
            XCTAssertEqual(back.vectors.float32Values(), index.vectors.float32Values())
            XCTAssertEqual(back.names.first, "img_00")
        }
    }

    func testTruncatedCorruptedAndForeignFilesAreTypedErrors() throws {
        let bytes = try fixtureIndex(PCAConfig(outDim: 8, solver: .exact)).encoded()
        let path = directory.appendingPathComponent("bad.index").path

        try AtomicFile.write(Array(bytes.dropLast(100)), to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            XCTAssertEqual($0 as? IndexFileError, .truncated(path: path, expectedBytes: bytes.count, actualBytes: bytes.count - 100))
        }
        try AtomicFile.write(Array(bytes.prefix(20)), to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            XCTAssertEqual($0 as? IndexFileError, .truncated(path: path, expectedBytes: 52, actualBytes: 20))
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        try AtomicFile.write(flipped, to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            guard case .checksumMismatch(let p, _, _)? = $0 as? IndexFileError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue("\($0)".hasPrefix(path + ": corrupted index"))
        }
        var newer = bytes
        newer[8] = 3
        try AtomicFile.write(newer, to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            XCTAssertEqual($0 as? IndexFileError, .unsupportedVersion(path: path, found: 3, supported: 2))
        }
        try AtomicFile.write(NpyFile.encode(NpyArray(floats: [1, 2], shape: [2])), to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            XCTAssertEqual($0 as? IndexFileError, .notAnIndex(path: path))
        }
        let missing = directory.appendingPathComponent("missing.index").path
        XCTAssertThrowsError(try RetrievalIndex.read(from: missing)) {
            XCTAssertEqual($0 as? IndexFileError, .cannotRead(path: missing, reason: "no such file"))
        }
    }

    func testAnIndexAnswersQueriesLikeTheFreshBuild() throws {
        let index = try fixtureIndex(PCAConfig(outDim: 16, solver: .seed))
        let path = directory.appendingPathComponent("db.index").path
        try index.write(to: path)
        let back = try RetrievalIndex.read(from: path)
        let root = RetrievalCase.directory.path
        let queries = try back.prepareQueries(FeatureSet.load(entries: ["b/img_03.npy", "b/img_07.npy"], root: root))
        let vectors = index.vectors.float32Values()
        let expected = Array(vectors[(3 * 15 * 16)..<(4 * 15 * 16)]) + Array(vectors[(7 * 15 * 16)..<(8 * 15 * 16)])
        XCTAssertEqual(queries, expected)
        let results = back.matcher().match(queries: queries, top: 3)
        XCTAssertEqual(results.map { $0[0].index }, [3, 7])
    }
}

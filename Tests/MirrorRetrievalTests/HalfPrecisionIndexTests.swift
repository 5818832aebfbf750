import Foundation
import MirrorCore
@testable import MirrorRetrieval
import TestSupport
import XCTest

/// float16 region vectors (index format 2): matching widens them exactly, the file round-trips
/// through a mapping, version-1 files still read, and scores stay within 1e-3 of float32.
final class HalfPrecisionIndexTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory("half-index") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixtureIndex() throws -> RetrievalIndex {
        let root = RetrievalCase.directory.path
        return try RetrievalIndex.build(features: FeatureSet.load(listFile: root + "/b.txt", root: root),
                                        pca: PCAConfig(outDim: 16, solver: .seed))
    }

    /// The float16 matcher must equal the float32 matcher run on the values float16 rounds to:
    /// every block it widens (exhaustive query and database blocks, shortlist gathers) is exact.
    func testHalfStorageMatchesFloat32OnTheRoundedValues() {
        let rows = randomRows(41 * 7, 24, seed: 5)
        let rounded = rows.map { Float(Float16($0)) }
        let half = RegionVectors(rows, dims: 24).toHalf()
        XCTAssertEqual(half.precision, .float16)
        XCTAssertEqual(half.float32Values(), rounded)
        let queries = Array(rounded[0..<(5 * 7 * 24)])
        for metric in PRMACMatcher.Metric.allCases {
            for shortlist in [0, 12] {
                for budget in [40_000, 1 << 30] {
                    var a = PRMACMatcher(database: half, regions: 7, dims: 24, memoryBudget: budget, threads: 2)
                    var b = PRMACMatcher(database: rounded, regions: 7, dims: 24, memoryBudget: budget, threads: 2)
                    a.shortlist = shortlist
                    b.shortlist = shortlist
                    let label = "\(metric) shortlist \(shortlist) budget \(budget)"
                    assertSameRanking(a.match(top: 6, metric: metric), b.match(top: 6, metric: metric), label)
                    assertSameRanking(a.match(queries: queries, top: 6, metric: metric), b.match(queries: queries, top: 6, metric: metric), label)
                }
            }
        }
    }

    func testHalfScoresStayWithinOneThousandthOfFloat32() throws {
        let index = try fixtureIndex()
        let full = index.matcher().match(top: index.count)
        let half = index.halfPrecision().matcher().match(top: index.count)
        var worst: Float = 0
        for (a, b) in zip(full, half) {
            let scores = Dictionary(uniqueKeysWithValues: b.map { ($0.index, $0.score) })
            for match in a { worst = max(worst, abs(match.score - scores[match.index]!) / Float(index.regions)) }
        }
        XCTAssertLessThan(worst, 1e-3)
        XCTAssertGreaterThan(worst, 0, "float16 rounding moves scores")
    }

    func testHalfIndexFileRoundTripsThroughAMapping() throws {
        let index = try fixtureIndex().halfPrecision()
        let path = directory.appendingPathComponent("half.index").path
        try index.write(to: path)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, index.encoded().count)
        let back = try RetrievalIndex.read(from: path)
        XCTAssertEqual(back.vectors.precision, .float16)
        guard case .mapped = back.vectors.storage else { return XCTFail("vectors should stay in the mapping") }
        XCTAssertEqual(back.vectors.float32Values(), index.vectors.float32Values())
        XCTAssertEqual(back.entries, index.entries)
        XCTAssertEqual(back.pca, index.pca)
        assertSameRanking(back.matcher().match(top: 5), index.matcher().match(top: 5), "mapped")

        var flipped = index.encoded()
        flipped[flipped.count - 40] ^= 0x01
        try AtomicFile.write(flipped, to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            guard case .checksumMismatch(let p, _, _)? = $0 as? IndexFileError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, path)
        }
    }

    /// A version-1 file is a version-2 float32 file with version 1 in the header (FORMATS.md):
    /// rebuilt here byte by byte with its own checksum, it reads to the same index.
    func testVersionOneFilesStillRead() throws {
        let index = try fixtureIndex()
        var bytes = index.encoded()
        XCTAssertEqual(bytes[8], 2)
        bytes[8] = 1
        bytes.removeLast(4)
        let crc = CRC32C.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { bytes += $0 }
        let path = directory.appendingPathComponent("v1.index").path
        try AtomicFile.write(bytes, to: path)
        let back = try RetrievalIndex.read(from: path)
        XCTAssertEqual(back.vectors.precision, .float32)
        XCTAssertEqual(back.vectors.float32Values(), index.vectors.float32Values())

        // Version 1 knew no float16 flag.
        bytes[12] |= 4
        bytes.removeLast(4)
        withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes += $0 }
        try AtomicFile.write(bytes, to: path)
        XCTAssertThrowsError(try RetrievalIndex.read(from: path)) {
            XCTAssertEqual($0 as? IndexFileError, .malformed(path: path, reason: "unknown flags 7"))
        }
    }
}

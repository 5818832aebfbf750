import Foundation
@testable import MirrorCOLMAP
import TestSupport
import XCTest

/// The overlap measure on a model small enough to work out by hand (grid 2: cells 0 1 / 2 3 of a
/// 100×100 image), and the files `OverlapsExport` writes from it.
///
/// Images by name a, b, c, d (ids 4, 3, 2, 1, so id order is not name order). Points:
/// P1 in a (10,10)→0 and b (60,10)→1; P2 in a (60,60)→3 and twice in b (70,70)→3, (10,60)→2;
/// P3 in a (10,60)→2 and c (60,60)→3; P4 in b (10,90)→2 and c (90,10)→1. a also has a keypoint
/// with no point in cell 1 (not covered); d observes nothing.
/// covered: a {0,2,3}, b {1,2,3}, c {1,3}.
/// a–b: shared {P1, P2}: a's cells {0,3} → 2/3, b's {1,2,3} → 3/3; overlap 2/3.
/// a–c: shared {P3}: a {2} → 1/3, c {3} → 1/2; overlap 1/3.
/// b–c: shared {P4}: b {2} → 1/3, c {1} → 1/2; overlap 1/3.
final class CovisibilityOverlapTests: XCTestCase {
    static let files = [
        "cameras.txt": "1 SIMPLE_PINHOLE 100 100 50 50 50\n",
        "images.txt": """
            4 1 0 0 0 0 0 0 1 a.jpg
            10 10 1 60 60 2 10 60 3 70 30 -1
            3 1 0 0 0 0 0 0 1 b.jpg
            60 10 1 70 70 2 10 60 2 10 90 4
            2 1 0 0 0 0 0 0 1 c.jpg
            60 60 3 90 10 4
            1 1 0 0 0 0 0 0 1 d.jpg
            5 5 -1

            """,
        "points3D.txt": """
            1 0 0 0 0 0 0 0 4 0 3 0
            2 0 0 0 0 0 0 0 4 1 3 1 3 2
            3 0 0 0 0 0 0 0 4 2 2 0
            4 0 0 0 0 0 0 0 3 3 2 1
            """,
    ]

    func model() throws -> (COLMAPModel, String) {
        let folder = try TestPaths.makeTemporaryDirectory("colmap-overlap")
        for (name, text) in Self.files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return (try COLMAPModel.read(directory: folder.path), folder.path)
    }

    func testHandWorkedOverlaps() throws {
        let (model, _) = try model()
        let order = model.imagesByName
        XCTAssertEqual(order.map { model.images[$0].name }, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"])
        var pairs: [CovisibilityOverlap] = []
        model.forEachCovisiblePair(order: order, grid: 2) { pairs.append($0) }
        XCTAssertEqual(pairs, [
            CovisibilityOverlap(first: 0, second: 1, sharedPoints: 2, firstSharedCells: 2, firstCoveredCells: 3,
                                secondSharedCells: 3, secondCoveredCells: 3),
            CovisibilityOverlap(first: 0, second: 2, sharedPoints: 1, firstSharedCells: 1, firstCoveredCells: 3,
                                secondSharedCells: 1, secondCoveredCells: 2),
            CovisibilityOverlap(first: 1, second: 2, sharedPoints: 1, firstSharedCells: 1, firstCoveredCells: 3,
                                secondSharedCells: 1, secondCoveredCells: 2),
        ])
        XCTAssertEqual(pairs.map(\.overlap), [2.0 / 3, 1.0 / 3, 1.0 / 3])
        // One cell per image: every co-visible pair overlaps fully.
        var coarse: [Double] = []
        model.forEachCovisiblePair(order: order, grid: 1) { coarse.append($0.overlap) }
        XCTAssertEqual(coarse, [1, 1, 1])
    }

    func testExportWritesThePairsFormat() throws {
        let (model, directory) = try model()
        let out = try TestPaths.makeTemporaryDirectory("colmap-overlap-out").path
        let summary = try OverlapsExport.write(model, modelDirectory: directory, to: out, imageRoot: nil, grid: 2)
        XCTAssertEqual(summary, OverlapsExport.Summary(images: 4, pairs: 3, positivePairs: 1, isolatedImages: 1))
        let list = try String(contentsOfFile: out + "/images.txt", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(list, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"])
        let rows = try String(contentsOfFile: out + "/pairs.tsv", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(rows, ["0\t1\t0.666667\t2", "0\t2\t0.333333\t1", "1\t2\t0.333333\t1"])

        // With an image root: absolute paths, missing files counted.
        let root = try TestPaths.makeTemporaryDirectory("colmap-images")
        try Data([0]).write(to: root.appendingPathComponent("b.jpg"))
        let rooted = try OverlapsExport.write(model, modelDirectory: directory, to: out, imageRoot: root.path, grid: 2)
        XCTAssertEqual(rooted.missingImageCount, 3)
        let paths = try String(contentsOfFile: out + "/images.txt", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(paths.map(String.init), ["a.jpg", "b.jpg", "c.jpg", "d.jpg"].map { root.standardizedFileURL.path + "/" + $0 })
    }
}

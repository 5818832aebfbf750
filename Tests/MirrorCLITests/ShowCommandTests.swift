import Foundation
import MirrorCore
import MirrorImageIO
import TestSupport
import XCTest

/// `mirror show` on the demo: the sheet's layout (one row per query, the query and its results),
/// frame colours that follow the demo's ground truth (checked here from the truth file, not from
/// what show says), the HTML pages, and the errors.
final class ShowCommandTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testSheetLayoutAndGroundTruthFrames() throws {
        let demo = try TestPaths.copyDemo(into: directory)
        let images = try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".jpg") }.sorted()
            .map { demo.appendingPathComponent($0).path }
        try AtomicFile.write(Array(images.map { $0 + "\n" }.joined().utf8), to: path("images.txt"))
        let extract = try ProcessRunner.mirror(["extract", "--img-list", path("images.txt"), "--output-folder", path("features"),
                                                "--img-size", "224", "--quiet"], currentDirectory: TestPaths.repositoryRoot)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        let features = images.map { path("features") + "/" + (($0 as NSString).lastPathComponent as NSString).deletingPathExtension + ".npy" }
        try AtomicFile.write(Array(features.map { $0 + "\n" }.joined().utf8), to: path("features.txt"))
        XCTAssertEqual(try ProcessRunner.mirror(["index", "--feature-list", path("features.txt"), "--out", path("demo.index"), "--quiet"]).status, 0)
        try DemoOverlaps.write(demo: demo, to: path("overlaps"))

        let (queries, top) = (4, 5)
        let show = try ProcessRunner.mirror(["show", "--index", path("demo.index"), "--image-list", path("images.txt"),
                                             "--queries", "\(queries)", "--top", "\(top)", "--overlaps", path("overlaps"),
                                             "--out", path("sheet.png"), "--html", path("html")])
        XCTAssertEqual(show.status, 0, show.stderr)
        let tiles = show.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(tiles.count, queries * top)

        let sheet = try ImageDecoder.decode(path: path("sheet.png"))
        let (cell, cellHeight) = (148, 162)
        XCTAssertEqual(sheet.width, (top + 1) * cell)
        XCTAssertEqual(sheet.height, queries * cellHeight)
        // The frame's top-left pixel of each tile: query blue, then green iff the truth says overlap ≥ 0.5.
        let truth = Dictionary(try DemoOverlaps.truth(demo).map { (Set([$0.first, $0.second]), $0.overlap) }, uniquingKeysWith: max)
        func color(row: Int, column: Int) -> [UInt8] { (0..<3).map { sheet[row * cellHeight + 7, column * cell + 7, $0] } }
        for row in 0..<queries {
            XCTAssertEqual(color(row: row, column: 0), [31, 119, 180], "query \(row)")
            for column in 1...top {
                let tile = tiles[row * top + column - 1]
                let names = Set([tile[0], tile[1]].map { ($0 as NSString).lastPathComponent })
                let matchable = (truth[names] ?? 0) >= 0.5
                XCTAssertEqual(color(row: row, column: column), matchable ? [0, 170, 0] : [210, 0, 0], "\(names)")
                XCTAssertEqual(tile[3], matchable ? "matchable" : "unmatchable")
            }
        }
        let pages = try FileManager.default.contentsOfDirectory(atPath: path("html")).sorted()
        XCTAssertEqual(pages, ["index.html"] + (1...queries).map { String(format: "query-%05d.png", $0) })
        XCTAssertEqual(try ImageDecoder.decode(path: path("html/query-00002.png")).height, cellHeight)

        let unknown = try ProcessRunner.mirror(["show", "--index", path("demo.index"), "--image-list", path("images.txt"),
                                                "--query", "nowhere.jpg", "--out", path("x.png")])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("nowhere.jpg") && unknown.stderr.contains("images.txt"), unknown.stderr)
        try AtomicFile.write(Array(images.prefix(5).map { $0 + "\n" }.joined().utf8), to: path("short.txt"))
        let short = try ProcessRunner.mirror(["show", "--index", path("demo.index"), "--image-list", path("short.txt"),
                                              "--queries", "2", "--out", path("x.png")])
        XCTAssertEqual(short.status, 1)
        XCTAssertTrue(short.stderr.contains("short.txt: 5 image names for a database of 20 images"), short.stderr)
    }
}

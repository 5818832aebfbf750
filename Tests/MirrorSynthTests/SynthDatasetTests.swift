import Foundation
import MirrorCore
import MirrorImageIO
import MirrorSynth
import MirrorTraining
import TestSupport
import XCTest

/// `SynthDataset.make` end to end on small photos of `Fixtures/photos/train` (views of 64 px):
/// determinism, the written files against their definitions, and the errors.
final class SynthDatasetTests: XCTestCase {
    private var root: URL!
    private let settings = SynthSettings(views: 3, size: 64, seed: 7, overlapStride: 4)
    private static let photoNames = ["mate_dune.jpg", "palapeli_castle_l.jpg", "plasma_path_r.jpg"]

    override func setUpWithError() throws {
        root = try TestPaths.makeTemporaryDirectory("mirror-synth")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// A folder with copies of some fixture photos (and any extra files).
    private func photoFolder(_ names: [String] = photoNames, extra: [String: [UInt8]] = [:]) throws -> String {
        let folder = root.appendingPathComponent("photos-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(at: TestPaths.fixtures.appendingPathComponent("photos/train/\(name)"),
                                             to: folder.appendingPathComponent(name))
        }
        for (name, bytes) in extra { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        return folder.path
    }

    private func make(_ photos: String, _ out: String, threads: Int = 2, force: Bool = false) throws -> SynthDataset.Summary {
        try SynthDataset.make(photos: photos, out: out, settings: settings, threads: threads, force: force, version: "test")
    }

    /// Every file of a folder tree, relative path → bytes.
    private func contents(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)!
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[path] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path)) }
        }
        return files
    }

    /// Two runs with the same photos and seed write the same bytes, with 1 or 3 threads; another seed
    /// changes the views.
    func testSameInputsAndSeedGiveTheSameBytesWhateverTheThreads() throws {
        let photos = try photoFolder()
        let a = root.appendingPathComponent("a").path, b = root.appendingPathComponent("b").path
        let c = root.appendingPathComponent("c").path
        _ = try make(photos, a, threads: 1)
        _ = try make(photos, b, threads: 3)
        let first = try contents(a)
        XCTAssertEqual(first.count, 9 + 5)
        XCTAssertEqual(first, try contents(b))
        _ = try SynthDataset.make(photos: photos, out: c, settings: SynthSettings(views: 3, size: 64, seed: 8), threads: 2,
                                  force: false, version: "test")
        XCTAssertNotEqual(first["images/mate_dune_v00.jpg"], try contents(c)["images/mate_dune_v00.jpg"])
    }

    /// A photo's views depend on its name and pixels, not on the other photos of the folder.
    func testAPhotosViewsDoNotDependOnTheOtherPhotos() throws {
        let all = root.appendingPathComponent("all").path, one = root.appendingPathComponent("one").path
        _ = try make(try photoFolder(), all)
        _ = try make(try photoFolder(["palapeli_castle_l.jpg"]), one)
        for k in 0..<3 {
            let name = "images/palapeli_castle_l_v0\(k).jpg"
            XCTAssertEqual(try contents(all)[name], try contents(one)[name], name)
        }
    }

    /// The files agree with each other and with their definitions: images.txt sorted and decodable
    /// S×S views; homographies.npy [N,3,3] whose recomputed overlaps are pairs.tsv; gl3d_gt_pairs the
    /// pairs ≥ 0.5 both ways; meta.json describing every view; and TrainingSet reads the pairs.
    func testWrittenFilesAreConsistentAndLoadAsTrainingData() throws {
        let out = root.appendingPathComponent("set").path
        let summary = try make(try photoFolder(), out)
        XCTAssertEqual(summary.photos, 3)
        XCTAssertEqual(summary.images, 9)
        XCTAssertEqual(summary.pairs, 9)
        XCTAssertEqual(summary.failures, [])

        let paths = try TextList.read(out + "/images.txt")
        XCTAssertEqual(paths, paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(paths.first, "images/mate_dune_v00.jpg")
        for path in paths {
            let image = try ImageDecoder.decode(path: out + "/" + path)
            XCTAssertEqual([image.width, image.height], [64, 64])
        }
        let npy = try NpyFile.read(out + "/homographies.npy")
        XCTAssertEqual(npy.dtype, .float64)
        XCTAssertEqual(npy.shape, [9, 3, 3])
        let values = npy.doubles()
        let meta = try SynthMeta.decode(try AtomicFile.read(out + "/meta.json"))
        XCTAssertEqual(meta.images.map(\.path), paths)
        XCTAssertEqual(meta.photos.map(\.name), Self.photoNames)
        XCTAssertEqual(meta.size, 64)
        XCTAssertEqual(meta.seed, 7)

        let grid = ViewOverlap(size: 64, stride: 4)
        var expectedLines = ["# i\tj\toverlap"], expectedTruth: [String] = []
        for (p, photo) in meta.photos.enumerated() {
            let images = meta.images.filter { $0.photo == p }
            let hs = images.map { image -> Homography in
                let stored = Homography(Array(values[9 * image.index..<9 * image.index + 9]))
                XCTAssertEqual(stored, image.params.homography(photoWidth: photo.width, photoHeight: photo.height, size: 64))
                return stored
            }
            let counts = grid.symmetricCounts(hs, photoWidth: photo.width, photoHeight: photo.height)
            for a in images.indices {
                for b in (a + 1)..<images.count {
                    expectedLines.append("\(images[a].index)\t\(images[b].index)\t" + String(format: "%.6f", grid.overlap(count: counts[a][b])))
                    if counts[a][b] * 2 >= grid.pointCount {
                        expectedTruth += ["\(images[a].index) \(images[b].index)", "\(images[b].index) \(images[a].index)"]
                    }
                }
            }
        }
        XCTAssertEqual(try String(contentsOfFile: out + "/pairs.tsv", encoding: .utf8), expectedLines.joined(separator: "\n") + "\n")
        let truth = try String(contentsOfFile: out + "/gl3d_gt_pairs", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(truth, expectedTruth.sorted { a, b in
            let x = a.split(separator: " ").map { Int($0)! }, y = b.split(separator: " ").map { Int($0)! }
            return (x[0], x[1]) < (y[0], y[1])
        })
        XCTAssertEqual(summary.positivePairs * 2, truth.count)

        let set = try TrainingSet.pairs(imageList: out + "/images.txt", pairs: out + "/pairs.tsv", hardNegativeOverlap: 0.1)
        XCTAssertEqual(set.images.count, 9)
        XCTAssertEqual(set.images.first, out + "/images/mate_dune_v00.jpg")
        XCTAssertGreaterThanOrEqual(set.scenes.count, 2)
    }

    func testMissingAndEmptyFoldersAreErrors() throws {
        let out = root.appendingPathComponent("out").path
        XCTAssertThrowsError(try make(root.appendingPathComponent("nope").path, out)) {
            XCTAssertEqual($0 as? SynthError, .missingFolder(path: self.root.appendingPathComponent("nope").path))
        }
        let empty = try photoFolder([], extra: ["notes.txt": Array("hello".utf8)])
        XCTAssertThrowsError(try make(empty, out)) { XCTAssertEqual($0 as? SynthError, .noPhotos(path: empty)) }
        let twins = try photoFolder(["mate_dune.jpg"], extra: ["mate_dune.png": [0x89]])
        XCTAssertThrowsError(try make(twins, out)) {
            XCTAssertEqual($0 as? SynthError, .sameStem(first: "mate_dune.jpg", second: "mate_dune.png"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written before the inputs are checked")
    }

    /// An unreadable photo is skipped and listed (failed.txt, meta.json); the others make a full set.
    /// When no photo can be used the run fails.
    func testBadPhotoIsSkippedAndListed() throws {
        let photos = try photoFolder(["mate_dune.jpg"], extra: ["broken.jpg": [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3]])
        let out = root.appendingPathComponent("out").path
        let summary = try make(photos, out)
        XCTAssertEqual(summary.photos, 1)
        XCTAssertEqual(summary.failures.map(\.path), [photos + "/broken.jpg"])
        let failed = try String(contentsOfFile: out + "/failed.txt", encoding: .utf8)
        XCTAssertTrue(failed.hasPrefix(photos + "/broken.jpg\tcannot decode image: "), failed)
        XCTAssertEqual(try TextList.read(out + "/images.txt"), ["images/mate_dune_v00.jpg", "images/mate_dune_v01.jpg", "images/mate_dune_v02.jpg"])
        XCTAssertEqual(try SynthMeta.decode(try AtomicFile.read(out + "/meta.json")).failed?.map(\.path), [photos + "/broken.jpg"])

        let hopeless = try photoFolder([], extra: ["a.png": Array("not a png".utf8)])
        XCTAssertThrowsError(try make(hopeless, root.appendingPathComponent("out2").path)) {
            XCTAssertEqual($0 as? SynthError, .allPhotosFailed(count: 1))
        }
    }

    /// A non-empty --out is refused; with force only what synth wrote is replaced.
    func testNonEmptyOutputIsRefusedUnlessForcedAndForceKeepsOtherFiles() throws {
        let photos = try photoFolder(["mate_dune.jpg"])
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("images"), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: out.appendingPathComponent("notes.txt"))
        try Data("old".utf8).write(to: out.appendingPathComponent("images/old_v07.jpg"))
        try Data("mine".utf8).write(to: out.appendingPathComponent("images/holiday.jpg"))
        XCTAssertThrowsError(try make(photos, out.path)) { XCTAssertEqual($0 as? SynthError, .outputNotEmpty(path: out.path)) }
        XCTAssertEqual(try contents(out.path).count, 3, "a refused run writes nothing")

        _ = try make(photos, out.path, force: true)
        let files = try contents(out.path)
        XCTAssertEqual(files["notes.txt"], Data("keep me".utf8))
        XCTAssertEqual(files["images/holiday.jpg"], Data("mine".utf8))
        XCTAssertNil(files["images/old_v07.jpg"], "a view of an earlier run is replaced")
        XCTAssertNotNil(files["images/mate_dune_v02.jpg"])

        let file = root.appendingPathComponent("file")
        try Data().write(to: file)
        XCTAssertThrowsError(try make(photos, file.path, force: true)) { XCTAssertEqual($0 as? SynthError, .outputNotEmpty(path: file.path)) }
        XCTAssertThrowsError(try make(photos, photos, force: true)) { XCTAssertEqual($0 as? SynthError, .outputIsInput(path: photos)) }
    }
}

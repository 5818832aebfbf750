import Foundation
@testable import MirrorCOLMAP
import TestSupport
import XCTest

/// The reader and the overlap measure against `Fixtures/colmap/small` (a model written by pycolmap
/// 4.2.1 through its API, with `expected.json` computed from the generator's own tracks:
/// `Fixtures/colmap/README.md`). The four folders (binary and text, with and without COLMAP 3.12's
/// rig and frame files) must read to one model, and every co-visible pair's shared-point count and
/// cell counts must equal the independent Python computation.
final class COLMAPFixtureTests: XCTestCase {
    static let root = TestPaths.fixtures.appendingPathComponent("colmap/small")

    struct Expected: Decodable {
        struct Camera: Decodable { let id: UInt32; let model: String; let model_id: Int; let width: Int; let height: Int; let params: [Double] }
        struct Image: Decodable {
            let id: UInt32; let name: String; let camera_id: UInt32; let qvec: [Double]; let tvec: [Double]
            let num_points2D: Int; let num_observations: Int
        }
        struct Point: Decodable { let id: UInt64; let xyz: [Double]; let rgb: [UInt8]; let error: Double; let track: [[UInt32]] }
        struct Pair: Decodable {
            let a: UInt32; let b: UInt32; let shared: Int
            let cells_ab: Int; let covered_a: Int; let cells_ba: Int; let covered_b: Int; let overlap: Double
        }
        struct Model: Decodable { let id: Int; let name: String; let num_params: Int }
        let grid: Int
        let num_points3D: Int
        let cameras: [Camera]
        let images: [Image]
        let points3D_sample: [Point]
        let pairs: [Pair]
        let camera_models: [Model]
    }

    lazy var expected: Expected = try! JSONDecoder().decode(
        Expected.self, from: Data(contentsOf: Self.root.appendingPathComponent("expected.json")))

    func read(_ folder: String) throws -> COLMAPModel { try COLMAPModel.read(directory: Self.root.appendingPathComponent(folder).path) }

    func testCameraModelTableMatchesPycolmap() {
        XCTAssertEqual(COLMAPCameraModel.all.map(\.id), expected.camera_models.map(\.id))
        XCTAssertEqual(COLMAPCameraModel.all.map(\.name), expected.camera_models.map(\.name))
        XCTAssertEqual(COLMAPCameraModel.all.map(\.parameterCount), expected.camera_models.map(\.num_params))
    }

    func testEveryLayoutReadsToTheExpectedModel() throws {
        let reference = try read("bin")
        XCTAssertEqual(try COLMAPModel.detectFormat(Self.root.appendingPathComponent("txt").path), .text)
        for folder in ["txt", "legacy-bin", "legacy-txt"] {
            let model = try read(folder)
            XCTAssertEqual(model.cameras, reference.cameras, folder)
            XCTAssertEqual(model.images, reference.images, folder)
            XCTAssertEqual(model.points, reference.points, folder)
        }
        XCTAssertEqual(reference.cameras.count, expected.cameras.count)
        for camera in expected.cameras {
            XCTAssertEqual(reference.cameras[camera.id], COLMAPCamera(id: camera.id, model: .withID(camera.model_id)!, width: camera.width,
                                                                      height: camera.height, parameters: camera.params))
            XCTAssertEqual(reference.cameras[camera.id]?.model.name, camera.model)
        }
        XCTAssertEqual(reference.images.map(\.id), expected.images.map(\.id).sorted())
        for image in expected.images {
            let mine = reference.images[reference.imageIndex(id: image.id)!]
            XCTAssertEqual(mine.name, image.name)
            XCTAssertEqual(mine.cameraID, image.camera_id)
            XCTAssertEqual(mine.rotation, image.qvec)
            XCTAssertEqual(mine.translation, image.tvec)
            XCTAssertEqual(mine.keypoints.count, image.num_points2D, image.name)
            XCTAssertEqual(mine.keypoints.filter(\.observesPoint).count, image.num_observations, image.name)
        }
        XCTAssertEqual(reference.points.count, expected.num_points3D)
        for point in expected.points3D_sample {
            let mine = reference.points[reference.pointIndex(id: point.id)!]
            XCTAssertEqual(mine.position, point.xyz)
            XCTAssertEqual(mine.color, point.rgb)
            XCTAssertEqual(mine.error, point.error)
            XCTAssertEqual(mine.track.map { [$0.imageID, $0.keypointIndex] }, point.track)
        }
    }

    func testSharedPointsAndOverlapsMatchThePythonComputation() throws {
        let model = try read("bin")
        let order = model.imagesByName
        var mine: [String: CovisibilityOverlap] = [:]
        model.forEachCovisiblePair(order: order, grid: expected.grid) { pair in
            let a = model.images[order[pair.first]].id, b = model.images[order[pair.second]].id
            mine["\(min(a, b)) \(max(a, b))"] = a < b ? pair : CovisibilityOverlap(
                first: pair.second, second: pair.first, sharedPoints: pair.sharedPoints,
                firstSharedCells: pair.secondSharedCells, firstCoveredCells: pair.secondCoveredCells,
                secondSharedCells: pair.firstSharedCells, secondCoveredCells: pair.firstCoveredCells)
        }
        XCTAssertEqual(mine.count, expected.pairs.count)
        for pair in expected.pairs {
            guard let found = mine["\(pair.a) \(pair.b)"] else { XCTFail("pair \(pair.a)–\(pair.b) missing"); continue }
            XCTAssertEqual(found.sharedPoints, pair.shared, "\(pair.a)–\(pair.b)")
            XCTAssertEqual([found.firstSharedCells, found.firstCoveredCells, found.secondSharedCells, found.secondCoveredCells],
                           [pair.cells_ab, pair.covered_a, pair.cells_ba, pair.covered_b], "\(pair.a)–\(pair.b)")
            XCTAssertEqual(found.overlap, pair.overlap, accuracy: 1e-15)
        }
    }

    // MARK: Damaged binary files

    func damaged(_ file: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        let folder = try TestPaths.makeTemporaryDirectory("colmap-damaged")
        for name in ["cameras.bin", "images.bin", "points3D.bin"] {
            var bytes = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent("bin/\(name)")))
            if name == file { change(&bytes) }
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        return folder.path
    }

    func assertFails(_ folder: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try COLMAPModel.read(directory: folder), file: file, line: line) { error in
            for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)", file: file, line: line) }
        }
    }

    func testEveryTruncationIsAnErrorAtAByteOffset() throws {
        for name in ["cameras.bin", "images.bin", "points3D.bin"] {
            let size = try Data(contentsOf: Self.root.appendingPathComponent("bin/\(name)")).count
            // Cuts at the start, inside the count, early records, the middle and one byte short.
            for cut in Set([0, 3, 8, 9, 13, 37, 100, size / 2, size - 1]) where cut < size {
                let folder = try damaged(name) { $0.removeSubrange(cut...) }
                assertFails(folder, ["\(folder)/\(name): byte "])
            }
        }
    }

    func testCorruptCountsAndFieldsAreNamed() throws {
        // A count far beyond the file: refused at byte 0 before allocating.
        assertFails(try damaged("images.bin") { $0.replaceSubrange(0..<8, with: [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]) },
                    ["images.bin: byte 0: image count 4294967295 needs at least"])
        // One record too few announced: the last record is left over.
        assertFails(try damaged("points3D.bin") { $0[0] -= 1 }, ["points3D.bin: byte ", "bytes after the last record"])
        // An unknown model id in the first camera (after the count and the camera id).
        assertFails(try damaged("cameras.bin") { $0.replaceSubrange(12..<16, with: [99, 0, 0, 0]) },
                    ["cameras.bin: byte 12: camera ", "unknown camera model id 99"])
        // A track naming a keypoint that does not observe the point.
        assertFails(try damaged("points3D.bin") { bytes in
            // First point: id (8) xyz (24) rgb (3) error (8) length (8), then (image id, keypoint index).
            let index = 8 + 8 + 24 + 3 + 8 + 8 + 4
            bytes[index] ^= 1
        }, ["points3D.bin: 3-D point", "which does not observe it"])
    }
}

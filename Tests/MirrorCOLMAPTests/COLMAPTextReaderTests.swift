import Foundation
@testable import MirrorCOLMAP
import TestSupport
import XCTest

/// The text reader on hand-written models: every field, the conventions COLMAP's writer uses
/// (comments, −1 for "no 3-D point", an empty keypoint line, a name with a space), and the errors.
final class COLMAPTextReaderTests: XCTestCase {
    static let cameras = """
        # Camera list with one line of data per camera:
        #   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]
        7 PINHOLE 640 480 500 501 320 240
        3 SIMPLE_RADIAL 100 50 80 50 25 -0.01
        """
    static let images = """
        # Image list with two lines of data per image:
        12 1 0 0 0 0.5 -1 2 7 left view.jpg
        10 20 -1 40 5 -1 50 25 101
        4 0.7071 0 0.7071 0 0 0 0 3 b/right.png

        5 1 0 0 0 0 0 0 7 c.jpg
        600 300 101 10 10 102
        """
    static let points = """
        # 3D point list with one line of data per point:
        101 1 2 3 255 128 0 0.5 12 2 5 0
        102 -1 -2 -3 0 0 0 1.25 5 1
        """

    func write(_ files: [String: String]) throws -> String {
        let folder = try TestPaths.makeTemporaryDirectory("colmap-text")
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder.path
    }

    func model() throws -> String {
        try write(["cameras.txt": Self.cameras, "images.txt": Self.images, "points3D.txt": Self.points])
    }

    func testReadsEveryField() throws {
        let model = try COLMAPModel.read(directory: try model())
        XCTAssertEqual(model.cameras[7], COLMAPCamera(id: 7, model: .named("PINHOLE")!, width: 640, height: 480, parameters: [500, 501, 320, 240]))
        XCTAssertEqual(model.cameras[3]?.model.id, 2)
        XCTAssertEqual(model.cameras[3]?.parameters, [80, 50, 25, -0.01])
        XCTAssertEqual(model.images.map(\.id), [4, 5, 12], "sorted by id")
        let left = model.images[model.imageIndex(id: 12)!]
        XCTAssertEqual(left.name, "left view.jpg")
        XCTAssertEqual(left.rotation, [1, 0, 0, 0])
        XCTAssertEqual(left.translation, [0.5, -1, 2])
        XCTAssertEqual(left.cameraID, 7)
        XCTAssertEqual(left.keypoints.count, 3)
        XCTAssertEqual(left.keypoints[0], .init(x: 10, y: 20, point3DID: COLMAPImage.noPoint))
        XCTAssertFalse(left.keypoints[0].observesPoint)
        XCTAssertEqual(left.keypoints[2], .init(x: 50, y: 25, point3DID: 101))
        let right = model.images[model.imageIndex(id: 4)!]
        XCTAssertEqual(right.name, "b/right.png")
        XCTAssertEqual(right.keypoints, [], "an empty keypoint line is the image's, not skipped")
        XCTAssertEqual(model.points.count, 2)
        let point = model.points[model.pointIndex(id: 101)!]
        XCTAssertEqual(point.position, [1, 2, 3])
        XCTAssertEqual(point.color, [255, 128, 0])
        XCTAssertEqual(point.error, 0.5)
        XCTAssertEqual(point.track.map(\.imageID), [12, 5])
        XCTAssertEqual(point.track.map(\.keypointIndex), [2, 0])
    }

    /// Breaks the model one thing at a time.
    func testErrorsNameTheFileAndLine() throws {
        func expect(_ files: [String: String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
            var all = ["cameras.txt": Self.cameras, "images.txt": Self.images, "points3D.txt": Self.points]
            all.merge(files) { $1 }
            let folder = try write(all)
            XCTAssertThrowsError(try COLMAPModel.read(directory: folder), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
            }
        }
        try expect(["cameras.txt": "1 FISHEYE_X 10 10 1 2 3\n"], "cameras.txt:1: camera 1: unknown camera model \"FISHEYE_X\"")
        try expect(["cameras.txt": Self.cameras + "\n9 PINHOLE 10 10 1 2 3\n"], "cameras.txt:5: camera 9: PINHOLE takes 4 parameters, found 3")
        try expect(["cameras.txt": Self.cameras + "\n7 PINHOLE 10 10 1 2 3 4\n"], "camera id 7 appears twice")
        try expect(["cameras.txt": "1 PINHOLE 10 ten 1 2 3 4\n"], "cameras.txt:1: camera 1's height is not a valid number")
        try expect(["images.txt": Self.images.replacingOccurrences(of: "50 25 101", with: "50 25")], "images.txt:3: image 12: keypoints come as X Y POINT3D_ID triples")
        try expect(["images.txt": "1 1 0 0 0 0 0 0 7 a.jpg"], "image 1 has no keypoint line")
        try expect(["images.txt": Self.images.replacingOccurrences(of: "0 0 0 3 b/right.png", with: "0 0 0 9 b/right.png")],
                   "image 4 (b/right.png) uses camera 9, which the cameras file lacks")
        try expect(["images.txt": Self.images.replacingOccurrences(of: "40 5 -1", with: "40 5 8")],
                   "image 12 keypoint 1 observes 3-D point 8, which the points3D file lacks")
        try expect(["points3D.txt": Self.points.replacingOccurrences(of: "0.5 12 2", with: "0.5 12 9")],
                   "3-D point 101's track names keypoint 9 of image 12, which does not observe it")
        try expect(["points3D.txt": Self.points + "\n103 0 0 0 1 1 1 0 99 0\n"], "3-D point 103's track names image 99")
        try expect(["points3D.txt": "103 0 0 0 1 1 1 0 5\n"], "points3D.txt:1: expected POINT3D_ID X Y Z R G B ERROR then IMAGE_ID POINT2D_IDX pairs")
    }

    func testFolderErrors() throws {
        let empty = try TestPaths.makeTemporaryDirectory("colmap-empty").path
        XCTAssertThrowsError(try COLMAPModel.read(directory: empty)) { XCTAssertTrue("\($0)".contains("no cameras/images/points3D"), "\($0)") }
        let partial = try write(["cameras.txt": Self.cameras, "images.bin": ""])
        XCTAssertThrowsError(try COLMAPModel.read(directory: partial)) {
            XCTAssertTrue("\($0)".contains("incomplete: found only images.bin, cameras.txt"), "\($0)")
        }
        let parent = try TestPaths.makeTemporaryDirectory("colmap-parent")
        try FileManager.default.createDirectory(at: parent.appendingPathComponent("0"), withIntermediateDirectories: true)
        try Self.cameras.write(to: parent.appendingPathComponent("0/cameras.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try COLMAPModel.read(directory: parent.path)) { XCTAssertTrue("\($0)".contains("subfolder 0/"), "\($0)") }
        XCTAssertThrowsError(try COLMAPModel.read(directory: parent.path + "/missing")) { XCTAssertTrue("\($0)".contains("no such folder"), "\($0)") }
    }
}

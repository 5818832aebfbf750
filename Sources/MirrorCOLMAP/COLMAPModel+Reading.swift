import Foundation

extension COLMAPModel {
    public enum Format: String, Sendable { case binary = "bin", text = "txt" }

    /// Reads the sparse model in `directory` (what COLMAP's mapper writes as `sparse/0`): the
    /// binary files when all three of `cameras.bin`, `images.bin`, `points3D.bin` are there, else
    /// the three `.txt` files. `rigs.*` and `frames.*` (COLMAP 3.12+) are not needed: the image
    /// records still carry each image's camera, pose and keypoints.
    ///
    /// Then checks that the files agree: every image's camera exists; every keypoint's 3-D point
    /// exists; every track observation names an existing image and keypoint, and that keypoint
    /// names the point back. A model that fails is refused as a whole (`COLMAPError.inconsistent`),
    /// since overlaps computed from it would silently be wrong.
    public static func read(directory: String) throws(COLMAPError) -> COLMAPModel {
        let format = try detectFormat(directory)
        let path = { (name: String) in (directory as NSString).appendingPathComponent("\(name).\(format.rawValue)") }
        func load<Reader: COLMAPFileReader>(_: Reader.Type) throws(COLMAPError) -> COLMAPModel {
            var c = try Reader(path: path("cameras")), i = try Reader(path: path("images")), p = try Reader(path: path("points3D"))
            return COLMAPModel(cameras: try c.cameras(), images: try i.images(), points: try p.points(), format: format)
        }
        let model = format == .binary ? try load(COLMAPBinaryReader.self) : try load(COLMAPTextReader.self)
        try model.checkReferences(imagesPath: path("images"), pointsPath: path("points3D"))
        return model
    }

    /// Which of the two layouts `directory` holds.
    public static func detectFormat(_ directory: String) throws(COLMAPError) -> Format {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw .notAModel(directory: directory, reason: "no such folder")
        }
        guard isDirectory.boolValue else { throw .notAModel(directory: directory, reason: "not a folder") }
        let names = ["cameras", "images", "points3D"]
        func present(_ format: Format) -> [String] {
            names.filter { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("\($0).\(format.rawValue)")) }
        }
        if present(.binary).count == 3 { return .binary }
        if present(.text).count == 3 { return .text }
        let found = present(.binary).map { "\($0).bin" } + present(.text).map { "\($0).txt" }
        if found.isEmpty, FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("0/cameras.bin"))
            || FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("0/cameras.txt")) {
            throw .notAModel(directory: directory, reason: "the model is in its subfolder 0/ (COLMAP's sparse/0): pass that folder")
        }
        throw .notAModel(directory: directory, reason: found.isEmpty
            ? "no cameras/images/points3D .bin or .txt files"
            : "incomplete: found only \(found.joined(separator: ", ")); need cameras, images and points3D, all .bin or all .txt")
    }

    func checkReferences(imagesPath: String, pointsPath: String) throws(COLMAPError) {
        for image in images {
            guard cameras[image.cameraID] != nil else {
                throw .inconsistent(path: imagesPath, reason: "image \(image.id) (\(image.name)) uses camera \(image.cameraID), which the cameras file lacks")
            }
            for (index, keypoint) in image.keypoints.enumerated() where keypoint.observesPoint {
                guard pointIndex(id: keypoint.point3DID) != nil else {
                    throw .inconsistent(path: imagesPath, reason: "image \(image.id) keypoint \(index) observes 3-D point "
                                        + "\(keypoint.point3DID), which the points3D file lacks")
                }
            }
        }
        for point in points {
            for observation in point.track {
                guard let imageIndex = imageIndex(id: observation.imageID) else {
                    throw .inconsistent(path: pointsPath, reason: "3-D point \(point.id)'s track names image \(observation.imageID), "
                                        + "which the images file lacks")
                }
                let keypoints = images[imageIndex].keypoints
                guard Int(observation.keypointIndex) < keypoints.count,
                      keypoints[Int(observation.keypointIndex)].point3DID == point.id else {
                    throw .inconsistent(path: pointsPath, reason: "3-D point \(point.id)'s track names keypoint \(observation.keypointIndex) "
                                        + "of image \(observation.imageID), which does not observe it")
                }
            }
        }
    }
}

/// One layout's reader: each instance reads one file, as the records of that file.
protocol COLMAPFileReader {
    init(path: String) throws(COLMAPError)
    mutating func cameras() throws(COLMAPError) -> [UInt32: COLMAPCamera]
    mutating func images() throws(COLMAPError) -> [COLMAPImage]
    mutating func points() throws(COLMAPError) -> [COLMAPPoint3D]
}

extension COLMAPBinaryReader: COLMAPFileReader {}
extension COLMAPTextReader: COLMAPFileReader {}

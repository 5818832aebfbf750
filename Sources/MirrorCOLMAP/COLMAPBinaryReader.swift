import MirrorCore

/// Reads `cameras.bin`, `images.bin` and `points3D.bin` (little-endian, as COLMAP writes them on
/// every platform it supports; the layouts are unchanged from the earliest releases through 3.12,
/// which only adds `rigs.bin` and `frames.bin` beside them):
///
/// - cameras: u64 count; per camera u32 id, i32 model id, u64 width, u64 height, f64 × the model's
///   parameter count.
/// - images: u64 count; per image u32 id, f64 qw qx qy qz, f64 tx ty tz, u32 camera id, the name as
///   bytes up to a NUL, u64 keypoint count, per keypoint f64 x, f64 y, u64 3-D point id
///   (2⁶⁴ − 1 = none).
/// - points3D: u64 count; per point u64 id, f64 x y z, u8 r g b, f64 error, u64 track length,
///   per observation u32 image id, u32 keypoint index.
///
/// A count is checked against the bytes left before anything is allocated for it, so a corrupt
/// count gives an error at its offset rather than a huge allocation; bytes after the last record
/// are an error too (a wrong count).
struct COLMAPBinaryReader {
    private var cursor: ByteCursor
    private let path: String

    init(path: String) throws(COLMAPError) {
        self.path = path
        do { cursor = ByteCursor(try AtomicFile.read(path)) } catch { throw .unreadable(path: path, reason: "\(error)") }
    }

    private func fail(_ reason: String, at offset: Int) -> COLMAPError { .malformed(path: path, at: .byte(offset), reason: reason) }

    private mutating func read<T>(_ what: String, _ body: (inout ByteCursor) throws -> T) throws(COLMAPError) -> T {
        let start = cursor.position
        do { return try body(&cursor) } catch {
            throw fail("file ends inside \(what) (\(cursor.end - start) bytes left)", at: start)
        }
    }
    private mutating func u32(_ what: String) throws(COLMAPError) -> UInt32 { try read(what) { try $0.u32() } }
    private mutating func u64(_ what: String) throws(COLMAPError) -> UInt64 { try read(what) { try $0.u64() } }
    private mutating func f64(_ what: String) throws(COLMAPError) -> Double { try read(what) { Double(bitPattern: try $0.u64()) } }
    private mutating func f64s(_ count: Int, _ what: String) throws(COLMAPError) -> [Double] {
        try read(what) { cursor in try (0..<count).map { _ in Double(bitPattern: try cursor.u64()) } }
    }

    /// A record count, refused when even the smallest records it announces could not fit.
    private mutating func count(_ what: String, minimumRecordBytes: Int) throws(COLMAPError) -> Int {
        let offset = cursor.position
        let value = try u64("the \(what) count")
        guard value <= UInt64(cursor.remaining / minimumRecordBytes) else {
            throw fail("\(what) count \(value) needs at least \(value.multipliedReportingOverflow(by: UInt64(minimumRecordBytes)).partialValue) "
                       + "bytes but \(cursor.remaining) remain", at: offset)
        }
        return Int(value)
    }

    private func checkEnd() throws(COLMAPError) {
        guard cursor.isAtEnd else {
            throw fail("\(cursor.remaining) bytes after the last record (a wrong count?)", at: cursor.position)
        }
    }

    mutating func cameras() throws(COLMAPError) -> [UInt32: COLMAPCamera] {
        let total = try count("camera", minimumRecordBytes: 24)
        var cameras: [UInt32: COLMAPCamera] = [:]
        for index in 0..<total {
            let start = cursor.position
            let id = try u32("camera \(index)'s id")
            let modelOffset = cursor.position
            let modelID = Int32(bitPattern: try u32("camera \(id)'s model id"))
            guard let model = COLMAPCameraModel.withID(Int(modelID)) else {
                throw fail("camera \(id): unknown camera model id \(modelID)", at: modelOffset)
            }
            let width = try u64("camera \(id)'s width"), height = try u64("camera \(id)'s height")
            guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
                throw fail("camera \(id): impossible size \(width)×\(height)", at: modelOffset + 4)
            }
            let parameters = try f64s(model.parameterCount, "camera \(id)'s \(model.parameterCount) \(model.name) parameters")
            guard cameras[id] == nil else { throw fail("camera id \(id) appears twice", at: start) }
            cameras[id] = COLMAPCamera(id: id, model: model, width: Int(width), height: Int(height), parameters: parameters)
        }
        try checkEnd()
        return cameras
    }

    mutating func images() throws(COLMAPError) -> [COLMAPImage] {
        // id + pose + camera id + NUL + keypoint count.
        let total = try count("image", minimumRecordBytes: 4 + 56 + 4 + 1 + 8)
        var images: [COLMAPImage] = []
        images.reserveCapacity(total)
        var seen = Set<UInt32>()
        for index in 0..<total {
            let start = cursor.position
            let id = try u32("image \(index)'s id")
            let rotation = try f64s(4, "image \(id)'s rotation"), translation = try f64s(3, "image \(id)'s translation")
            let cameraID = try u32("image \(id)'s camera id")
            let nameStart = cursor.position
            guard let nul = cursor.bytes[nameStart..<cursor.end].firstIndex(of: 0) else {
                throw fail("image \(id)'s name has no terminating NUL", at: nameStart)
            }
            guard let name = String(validating: cursor.bytes[nameStart..<nul], as: UTF8.self), !name.isEmpty else {
                throw fail("image \(id)'s name is empty or not UTF-8", at: nameStart)
            }
            try read("image \(id)'s name") { try $0.skip(nul + 1 - nameStart) }
            let keypointCount = try count("image \(id)'s keypoint", minimumRecordBytes: 24)
            let keypoints = try read("image \(id)'s keypoints") { cursor in
                try (0..<keypointCount).map { _ in
                    COLMAPImage.Keypoint(x: Double(bitPattern: try cursor.u64()), y: Double(bitPattern: try cursor.u64()),
                                         point3DID: try cursor.u64())
                }
            }
            guard seen.insert(id).inserted else { throw fail("image id \(id) appears twice", at: start) }
            images.append(COLMAPImage(id: id, name: name, cameraID: cameraID, rotation: rotation, translation: translation,
                                      keypoints: keypoints))
        }
        try checkEnd()
        return images
    }

    mutating func points() throws(COLMAPError) -> [COLMAPPoint3D] {
        let total = try count("3-D point", minimumRecordBytes: 8 + 24 + 3 + 8 + 8)
        var points: [COLMAPPoint3D] = []
        points.reserveCapacity(total)
        var seen = Set<UInt64>()
        for index in 0..<total {
            let start = cursor.position
            let id = try u64("3-D point \(index)'s id")
            let position = try f64s(3, "3-D point \(id)'s position")
            let color = try read("3-D point \(id)'s colour") { try $0.read(3) }
            let error = try f64("3-D point \(id)'s error")
            let length = try count("3-D point \(id)'s track", minimumRecordBytes: 8)
            let track = try read("3-D point \(id)'s track") { cursor in
                try (0..<length).map { _ in COLMAPPoint3D.Observation(imageID: try cursor.u32(), keypointIndex: try cursor.u32()) }
            }
            guard seen.insert(id).inserted else { throw fail("3-D point id \(id) appears twice", at: start) }
            points.append(COLMAPPoint3D(id: id, position: position, color: color, error: error, track: track))
        }
        try checkEnd()
        return points
    }
}

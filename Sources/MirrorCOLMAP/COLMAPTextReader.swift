import MirrorCore

/// Reads `cameras.txt`, `images.txt` and `points3D.txt`: whitespace-separated fields, `#` comment
/// lines, as COLMAP writes them.
///
/// - cameras: `CAMERA_ID MODEL_NAME WIDTH HEIGHT PARAMS…` per line.
/// - images: two lines per image, `IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME` and then the
///   keypoints as `X Y POINT3D_ID` triples (−1 for none). The second line belongs to the image
///   even when it is empty (an image with no keypoints), as COLMAP reads it: only the first line
///   of a record skips blank and comment lines. A name keeps its inner spaces (the rest of the line).
/// - points3D: `POINT3D_ID X Y Z R G B ERROR` then the track as `IMAGE_ID POINT2D_IDX` pairs.
///
/// The header comments COLMAP writes (counts, mean track length) are not trusted: the records are.
struct COLMAPTextReader {
    private let path: String
    private var lines: [Substring]
    private var next = 0

    init(path: String) throws(COLMAPError) {
        self.path = path
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .unreadable(path: path, reason: "\(error)") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
    }

    private func fail(_ reason: String, line: Int) -> COLMAPError { .malformed(path: path, at: .line(line + 1), reason: reason) }

    /// The next line that is neither blank nor a comment, with its 0-based number.
    private mutating func nextRecordLine() -> (Int, Substring)? {
        while next < lines.count {
            let number = next, line = lines[number]
            next += 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            return (number, trimmed)
        }
        return nil
    }

    private static func fields(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    private func number<T: LosslessStringConvertible>(_ field: Substring, _ what: String, line: Int) throws(COLMAPError) -> T {
        guard let value = T(String(field)) else { throw fail("\(what) is not a valid number: \"\(field)\"", line: line) }
        return value
    }

    mutating func cameras() throws(COLMAPError) -> [UInt32: COLMAPCamera] {
        var cameras: [UInt32: COLMAPCamera] = [:]
        while let (line, text) = nextRecordLine() {
            let f = Self.fields(text)
            guard f.count >= 4 else { throw fail("expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS…, found \(f.count) fields", line: line) }
            let id: UInt32 = try number(f[0], "camera id", line: line)
            guard let model = COLMAPCameraModel.named(String(f[1])) else {
                throw fail("camera \(id): unknown camera model \"\(f[1])\"", line: line)
            }
            let width: Int = try number(f[2], "camera \(id)'s width", line: line)
            let height: Int = try number(f[3], "camera \(id)'s height", line: line)
            guard width > 0, height > 0 else { throw fail("camera \(id): impossible size \(width)×\(height)", line: line) }
            guard f.count == 4 + model.parameterCount else {
                throw fail("camera \(id): \(model.name) takes \(model.parameterCount) parameters, found \(f.count - 4)", line: line)
            }
            var parameters: [Double] = []
            for field in f[4...] { parameters.append(try number(field, "camera \(id)'s parameter", line: line)) }
            guard cameras[id] == nil else { throw fail("camera id \(id) appears twice", line: line) }
            cameras[id] = COLMAPCamera(id: id, model: model, width: width, height: height, parameters: parameters)
        }
        return cameras
    }

    mutating func images() throws(COLMAPError) -> [COLMAPImage] {
        var images: [COLMAPImage] = []
        var seen = Set<UInt32>()
        while let (line, text) = nextRecordLine() {
            let f = Self.fields(text)
            guard f.count >= 10 else {
                throw fail("expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME, found \(f.count) fields", line: line)
            }
            let id: UInt32 = try number(f[0], "image id", line: line)
            var pose: [Double] = []
            for field in f[1...7] { pose.append(try number(field, "image \(id)'s pose", line: line)) }
            let cameraID: UInt32 = try number(f[8], "image \(id)'s camera id", line: line)
            // The name is the rest of the line after the ninth field (it may hold spaces).
            let name = String(text[f[9].startIndex...]).trimmingTrailingWhitespace()
            guard next < lines.count else { throw fail("image \(id) has no keypoint line (the file ends)", line: line) }
            let keypointLine = next
            next += 1
            let k = Self.fields(lines[keypointLine])
            guard k.count % 3 == 0 else {
                throw fail("image \(id): keypoints come as X Y POINT3D_ID triples, found \(k.count) fields", line: keypointLine)
            }
            var keypoints: [COLMAPImage.Keypoint] = []
            keypoints.reserveCapacity(k.count / 3)
            for t in stride(from: 0, to: k.count, by: 3) {
                let x: Double = try number(k[t], "keypoint x", line: keypointLine)
                let y: Double = try number(k[t + 1], "keypoint y", line: keypointLine)
                let point: Int64 = try number(k[t + 2], "keypoint 3-D point id", line: keypointLine)
                guard point >= -1 else { throw fail("3-D point id \(point) (−1 means none)", line: keypointLine) }
                keypoints.append(.init(x: x, y: y, point3DID: point == -1 ? COLMAPImage.noPoint : UInt64(point)))
            }
            guard seen.insert(id).inserted else { throw fail("image id \(id) appears twice", line: line) }
            images.append(COLMAPImage(id: id, name: name, cameraID: cameraID, rotation: Array(pose[0..<4]),
                                      translation: Array(pose[4..<7]), keypoints: keypoints))
        }
        return images
    }

    mutating func points() throws(COLMAPError) -> [COLMAPPoint3D] {
        var points: [COLMAPPoint3D] = []
        var seen = Set<UInt64>()
        while let (line, text) = nextRecordLine() {
            let f = Self.fields(text)
            guard f.count >= 8, (f.count - 8) % 2 == 0 else {
                throw fail("expected POINT3D_ID X Y Z R G B ERROR then IMAGE_ID POINT2D_IDX pairs, found \(f.count) fields", line: line)
            }
            let id: UInt64 = try number(f[0], "3-D point id", line: line)
            var position: [Double] = []
            for field in f[1...3] { position.append(try number(field, "3-D point \(id)'s position", line: line)) }
            var color: [UInt8] = []
            for field in f[4...6] { color.append(try number(field, "3-D point \(id)'s colour", line: line)) }
            let error: Double = try number(f[7], "3-D point \(id)'s error", line: line)
            var track: [COLMAPPoint3D.Observation] = []
            track.reserveCapacity((f.count - 8) / 2)
            for t in stride(from: 8, to: f.count, by: 2) {
                track.append(.init(imageID: try number(f[t], "track image id", line: line),
                                   keypointIndex: try number(f[t + 1], "track keypoint index", line: line)))
            }
            guard seen.insert(id).inserted else { throw fail("3-D point id \(id) appears twice", line: line) }
            points.append(COLMAPPoint3D(id: id, position: position, color: color, error: error, track: track))
        }
        return points
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

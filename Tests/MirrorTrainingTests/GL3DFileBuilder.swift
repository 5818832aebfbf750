import Foundation
import TestSupport

/// Builds a GL3D `train_list_with_mask.bin` byte by byte (SPEC §8.1) and remembers where each
/// field starts, so corruption tests can name the offset they expect.
struct GL3DFileBuilder {
    struct Record {
        var anchor: Int32
        var positives: [Int32]
        var negatives: [Int32]
    }

    private(set) var bytes: [UInt8] = []
    /// Field offsets by name: `dataset_num`, `d1.image_num`, `d0.r1.pos_num`, `d0.r1.pos1`,
    /// `d1.r0.neg2`, `d2.r0.ref`, `d0.r0.masks`, `end`.
    private(set) var offsets: [String: Int] = [:]

    init(datasets: [[Record]]) {
        field("dataset_num", Int32(datasets.count))
        for (d, records) in datasets.enumerated() {
            field("d\(d).image_num", Int32(records.count))
            for (r, record) in records.enumerated() {
                let key = "d\(d).r\(r)"
                field("\(key).ref", record.anchor)
                field("\(key).pos_num", Int32(record.positives.count))
                for (k, index) in record.positives.enumerated() { field("\(key).pos\(k)", index) }
                field("\(key).neg_num", Int32(record.negatives.count))
                for (k, index) in record.negatives.enumerated() { field("\(key).neg\(k)", index) }
                offsets["\(key).masks"] = bytes.count
                // Masks are unused; fill them with a pattern that is not all zeros.
                for k in 0 ..< record.positives.count * 392 { bytes.append(UInt8(k % 3 == 0 ? 1 : 0)) }
            }
        }
        offsets["end"] = bytes.count
    }

    private mutating func field(_ name: String, _ value: Int32) {
        offsets[name] = bytes.count
        bytes += withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Overwrites the int32 field `name` with `value`.
    mutating func set(_ name: String, _ value: Int32) {
        let offset = offsets[name]!
        bytes.replaceSubrange(offset ..< offset + 4, with: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    subscript(name: String) -> Int { offsets[name]! }
}

/// A GL3D root folder in a temporary directory: the image list and the binary records.
struct GL3DRoot {
    let root: URL

    init(imageLines: [String], binary: [UInt8]) throws {
        root = try TestPaths.makeTemporaryDirectory("mirror-gl3d")
        try write(imageLines.joined(separator: "\n") + "\n", to: "list/global_stats/global_img_list.txt")
        try write(binary, to: "forward/train_list_with_mask.bin")
    }

    var listPath: String { root.appendingPathComponent("list/global_stats/global_img_list.txt").path }
    var binaryPath: String { root.appendingPathComponent("forward/train_list_with_mask.bin").path }

    func write(_ text: String, to relative: String) throws {
        try write(Array(text.utf8), to: relative)
    }

    func write(_ bytes: [UInt8], to relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

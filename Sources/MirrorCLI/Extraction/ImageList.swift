import MirrorCore
import Foundation

/// Which images an extraction run processes, in a deterministic order.
enum ImageList {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Reads the seed's `--img_list`: one path per line; relative paths are joined to `root` (the
    /// seed's `--gl3d_root`), absolute paths are kept (as `os.path.join` does).
    static func read(listPath: String, root: String?) throws -> [String] {
        try TextList.read(listPath).map { TextList.join(root, $0) }
    }

    /// Expands files and folders (recursively) into image paths with a JPEG/PNG extension,
    /// sorted bytewise within each folder argument, in argument order, without duplicates.
    static func expand(_ inputs: [String]) throws -> [String] {
        var result: [String] = [], seen = Set<String>()
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw ExtractionError.missingInput(path: input)
            }
            var found: [String] = []
            if isDirectory.boolValue {
                guard let walker = FileManager.default.enumerator(atPath: input) else {
                    throw ExtractionError.missingInput(path: input)
                }
                for case let relative as String in walker
                where imageExtensions.contains((relative as NSString).pathExtension.lowercased()) {
                    found.append((input as NSString).appendingPathComponent(relative))
                }
                found.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            } else {
                found = [input]
            }
            for path in found where seen.insert(path).inserted { result.append(path) }
        }
        guard !result.isEmpty else { throw ExtractionError.noImages(inputs: inputs) }
        return result
    }

    /// The K-th (1-based) of N contiguous, balanced, disjoint slices; together they cover the list once.
    static func shard(_ items: [String], index: Int, count: Int) -> ArraySlice<String> {
        let start = items.count * (index - 1) / count, end = items.count * index / count
        return items[start..<end]
    }
}

/// Where each image's feature file goes: beside the image (the seed's default) or in one folder
/// under the image's stem, with the extension replaced by the save suffix.
enum OutputNaming {
    static func outputPath(for image: String, folder: String?, suffix: String) -> String {
        let stem = ((image as NSString).lastPathComponent as NSString).deletingPathExtension
        let directory = folder ?? (image as NSString).deletingLastPathComponent
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(stem + suffix)
    }

    /// Fails if two different images would write the same feature file.
    static func checkCollisions(images: [String], outputs: [String]) throws {
        var owner: [String: String] = [:]
        for (image, output) in zip(images, outputs) {
            if let first = owner[output], first != image {
                throw ExtractionError.outputCollision(output: output, first: first, second: image)
            }
            owner[output] = image
        }
    }
}

enum ExtractionError: Error, Equatable, CustomStringConvertible {
    case missingInput(path: String)
    case noImages(inputs: [String])
    case outputCollision(output: String, first: String, second: String)
    case unexpectedShape(path: String, expected: [Int], actual: [Int])
    case malformedQuery(path: String)

    var description: String {
        switch self {
        case .missingInput(let path): return "\(path): no such file or folder"
        case .noImages(let inputs): return "no JPEG or PNG images found in \(inputs.joined(separator: ", "))"
        case .outputCollision(let output, let first, let second):
            return "\(first) and \(second) would both write \(output); use distinct file stems or no --output-folder"
        case .unexpectedShape(let path, let expected, let actual):
            return "\(path): feature shape \(actual) differs from the expected \(expected)"
        case .malformedQuery(let path):
            return "\(path): expected 'name x1 y1 x2 y2' with a non-empty box inside the image"
        }
    }
}

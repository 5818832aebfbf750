import Foundation

/// `meta.json` of a synthetic set: how it was made (settings and the distributions' constants),
/// every photo (name, path, size, SHA-256) and every view (index, path, photo, view, geometry,
/// jitter, JPEG quality). Keys and layout follow the NumPy generator's `meta.json`, so tools read
/// both; `failed` lists the photos that were skipped.
public struct SynthMeta: Codable, Equatable, Sendable {
    public struct Overlap: Codable, Equatable, Sendable {
        public var stride: Int
        public var gridFirstPixel: Int
        public var pixelCentreOffset: Double
        public var gtThreshold: Double
        public var definition: String

        enum CodingKeys: String, CodingKey {
            case stride, definition
            case gridFirstPixel = "grid_first_pixel", pixelCentreOffset = "pixel_centre_offset", gtThreshold = "gt_threshold"
        }
    }

    public struct Sampling: Codable, Equatable, Sendable {
        public var baseWindow: Double
        public var zoom: [Double]
        public var rotationDeg: Double
        public var tiltDeg: Double
        public var distance: [Double]
        public var nearPrevious: Double
        public var jpegQuality: [Int]
        public var supersample: Int

        enum CodingKeys: String, CodingKey {
            case zoom, distance, supersample
            case baseWindow = "base_window", rotationDeg = "rotation_deg", tiltDeg = "tilt_deg"
            case nearPrevious = "near_previous", jpegQuality = "jpeg_quality"
        }

        /// The constants of `ViewDistribution`.
        public static let current = Sampling(
            baseWindow: ViewDistribution.baseWindow,
            zoom: [ViewDistribution.zoom.lowerBound, ViewDistribution.zoom.upperBound],
            rotationDeg: ViewDistribution.rotationDegrees, tiltDeg: ViewDistribution.tiltDegrees,
            distance: [ViewDistribution.distance.lowerBound, ViewDistribution.distance.upperBound],
            nearPrevious: ViewDistribution.nearPrevious,
            jpegQuality: [ViewDistribution.jpegQuality.lowerBound, ViewDistribution.jpegQuality.upperBound],
            supersample: ViewDistribution.supersample)
    }

    public struct Photo: Codable, Equatable, Sendable {
        public var name: String
        /// The photo folder given on the command line joined with `name`.
        public var path: String
        public var width: Int
        public var height: Int
        public var sha256: String
    }

    public struct Image: Codable, Equatable, Sendable {
        public var index: Int
        public var path: String
        public var photo: Int
        public var view: Int
        public var params: ViewParameters
        public var jitter: PhotometricJitter?
        public var jpegQuality: Int?

        enum CodingKeys: String, CodingKey {
            case index, path, photo, view, params, jitter
            case jpegQuality = "jpeg_quality"
        }
    }

    public struct Failure: Codable, Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    public var generator: String
    /// The settings as a command line (without `--out` and `--threads`, which do not change the set).
    public var command: String
    public var versions: [String: String]
    public var seed: UInt64
    public var viewsPerPhoto: Int
    public var size: Int
    public var overlap: Overlap
    public var sampling: Sampling
    public var photos: [Photo]
    public var images: [Image]
    public var failed: [Failure]?

    enum CodingKeys: String, CodingKey {
        case generator, command, versions, seed, size, overlap, sampling, photos, images, failed
        case viewsPerPhoto = "views_per_photo"
    }

    static let overlapDefinition = "min over both directions of the fraction of the grid of view u whose "
        + "pre-image is in front, inside the photo, and maps in front into view v"

    /// The JSON text: keys sorted and indented, so equal sets give equal bytes.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }

    /// Reads `meta.json` text (of `mirror synth` or of the NumPy generator).
    public static func decode(_ bytes: [UInt8]) throws -> SynthMeta {
        try JSONDecoder().decode(SynthMeta.self, from: Data(bytes))
    }
}

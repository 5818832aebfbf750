import MirrorCore
import MirrorImageIO

/// What `mirror synth` is asked to make: per photo `views` views of `size × size` pixels, overlap
/// on a grid of step `overlapStride`, all draws keyed on `seed`.
public struct SynthSettings: Equatable, Sendable {
    public var views: Int
    public var size: Int
    public var seed: UInt64
    public var overlapStride: Int

    public init(views: Int = 8, size: Int = 224, seed: UInt64 = 1, overlapStride: Int = 4) {
        self.views = views
        self.size = size
        self.seed = seed
        self.overlapStride = overlapStride
    }
}

/// One rendered view of a photo.
public struct SynthView: Sendable {
    public let parameters: ViewParameters
    public let homography: Homography
    public let jitter: PhotometricJitter
    public let jpegQuality: Int
    /// The encoded JPEG file.
    public let jpeg: [UInt8]
}

/// All views of one photo and their overlaps: the unit of work of `mirror synth`, independent of
/// every other photo, so photos can be made on any thread in any order.
///
/// Determinism: the draws come from `TrainingRandom` keyed on (seed, CRC-32C of the photo's file
/// name): the geometry of all views from one stream (a view may be placed near an earlier one),
/// each view's jitter, JPEG quality and noise from a stream of its own. Same seed, name and
/// pixels ⇒ same views, whatever else is in the folder.
public struct PhotoViews: Sendable {
    /// The photo's file name (no folder).
    public let name: String
    public let width: Int
    public let height: Int
    /// SHA-256 of the photo file, hex.
    public let sha256: String
    public let views: [SynthView]
    /// counts[a][b] = overlap(a, b) · |G| (`ViewOverlap.symmetricCounts`).
    public let overlapCounts: [[Int]]

    /// Decodes the photo file `bytes` (`path` names it in errors), samples, renders and measures its views.
    ///
    /// Photos are decoded with libjpeg's accurate DCT, as Pillow decodes them in the NumPy generator.
    /// - Throws: `ImageIOError` for a file that is not a decodable JPEG/PNG, `SynthError.photoTooSmall`.
    public static func make(bytes: [UInt8], path: String, name: String, settings: SynthSettings) throws -> PhotoViews {
        let photo = try ImageDecoder.decode(data: bytes, name: path, dct: .accurate)
        let key = Int(CRC32C.checksum(Array(name.utf8)))
        var geometry = TrainingRandom(seed: settings.seed, step: key, stream: .synthGeometry)
        let parameters = try ViewSampler.sample(count: settings.views, photoWidth: photo.width, photoHeight: photo.height,
                                                size: settings.size, random: &geometry, name: path)
        var views: [SynthView] = []
        for (index, view) in parameters.enumerated() {
            let homography = view.homography(photoWidth: photo.width, photoHeight: photo.height, size: settings.size)
            var appearance = TrainingRandom(seed: settings.seed, step: key, stream: .synthAppearance(view: index))
            let jitter = PhotometricJitter.draw(&appearance)
            let quality = appearance.integer(in: ViewDistribution.jpegQuality)
            let warped = PerspectiveWarp.render(photo, homography: homography, size: settings.size)
            let pixels = jitter.apply(to: warped.pixels, random: &appearance)
            let jpeg = try JPEGEncoder.encode(RGBImage(width: settings.size, height: settings.size, pixels: pixels),
                                              quality: quality, subsampling: .s420)
            views.append(SynthView(parameters: view, homography: homography, jitter: jitter, jpegQuality: quality, jpeg: jpeg))
        }
        let grid = ViewOverlap(size: settings.size, stride: settings.overlapStride)
        let counts = grid.symmetricCounts(views.map(\.homography), photoWidth: photo.width, photoHeight: photo.height)
        return PhotoViews(name: name, width: photo.width, height: photo.height, sha256: SHA256.hex(SHA256.hash(bytes)),
                          views: views, overlapCounts: counts)
    }

    /// The same photo without its JPEG bytes (kept for the index files once the views are on disk).
    func droppingImages() -> PhotoViews {
        let light = views.map { SynthView(parameters: $0.parameters, homography: $0.homography, jitter: $0.jitter,
                                          jpegQuality: $0.jpegQuality, jpeg: []) }
        return PhotoViews(name: name, width: width, height: height, sha256: sha256, views: light, overlapCounts: overlapCounts)
    }
}

/// A COLMAP sparse reconstruction as mirror reads it (`COLMAPModel.read(directory:)`): the
/// cameras, the registered images with their 2-D keypoints, and the 3-D points with their
/// tracks. Memory is linear in the files: 24 bytes per keypoint, 8 per track element.
///
/// Ids are COLMAP's and need not be dense or ordered; `images` is sorted by id and
/// `imageIndex(id:)` / `pointIndex(id:)` map ids to positions.
public struct COLMAPModel: Sendable {
    public var cameras: [UInt32: COLMAPCamera]
    public var images: [COLMAPImage]
    public var points: [COLMAPPoint3D]
    /// The layout the model was read from.
    public let format: Format
    private let imageIndices: [UInt32: Int]
    private let pointIndices: [UInt64: Int]

    /// Assembles a model; the readers call this after checking that every id is unique.
    init(cameras: [UInt32: COLMAPCamera], images: [COLMAPImage], points: [COLMAPPoint3D], format: Format) {
        self.cameras = cameras
        self.format = format
        self.images = images.sorted { $0.id < $1.id }
        self.points = points
        imageIndices = Dictionary(uniqueKeysWithValues: self.images.enumerated().map { ($1.id, $0) })
        pointIndices = Dictionary(uniqueKeysWithValues: points.enumerated().map { ($1.id, $0) })
    }

    public func imageIndex(id: UInt32) -> Int? { imageIndices[id] }
    public func pointIndex(id: UInt64) -> Int? { pointIndices[id] }
}

public struct COLMAPCamera: Sendable, Equatable {
    public let id: UInt32
    public let model: COLMAPCameraModel
    public let width: Int
    public let height: Int
    public let parameters: [Double]
}

public struct COLMAPImage: Sendable, Equatable {
    /// A keypoint: its position in pixels (COLMAP's convention: the image spans [0, W] × [0, H],
    /// the top-left pixel's centre is (0.5, 0.5)) and the 3-D point it observes, if any.
    public struct Keypoint: Sendable, Equatable {
        public let x: Double
        public let y: Double
        /// `COLMAPImage.noPoint` when the keypoint observes no 3-D point (−1 in `images.txt`,
        /// 2⁶⁴ − 1 in `images.bin`).
        public let point3DID: UInt64
        public var observesPoint: Bool { point3DID != COLMAPImage.noPoint }
    }

    public static let noPoint = UInt64.max

    public let id: UInt32
    public let name: String
    public let cameraID: UInt32
    /// World-to-camera rotation as a unit quaternion (w, x, y, z) and translation, as stored.
    public let rotation: [Double]
    public let translation: [Double]
    public let keypoints: [Keypoint]
}

public struct COLMAPPoint3D: Sendable, Equatable {
    public struct Observation: Sendable, Equatable {
        public let imageID: UInt32
        public let keypointIndex: UInt32
    }

    public let id: UInt64
    public let position: [Double]
    public let color: [UInt8]
    public let error: Double
    public let track: [Observation]
}

/// The data `mirror train` samples triplets from: image files, grouped into scenes whose
/// records say which images match which (SPEC §8.1–8.2).
///
/// A *scene* is what the seed calls a dataset: one GL3D reconstruction, or one connected group of
/// overlapping images in the plain pairs format. The sampler draws every triplet of a batch from
/// a different scene, so two anchors of one batch never show the same place; that is why a set
/// needs at least two scenes.
///
/// Readers: ``gl3d(root:)`` (the seed's own files) and
/// ``pairs(imageList:pairs:imageRoot:positiveOverlap:hardNegativeOverlap:)`` (mirror's plain text
/// format; Docs/FORMATS.md "Training data").
public struct TrainingSet: Equatable, Sendable {
    /// Resolved image paths; every index in `scenes` points into this list.
    public let images: [String]
    /// The scenes that hold at least one record (an anchor with a positive).
    public let scenes: [TrainingScene]
    /// The file the scenes were read from, for messages.
    public let source: String

    /// A set from already resolved parts, checked: every index inside `images`, every scene with
    /// a record, every record with a positive, and at least two scenes.
    ///
    /// - Throws: `TrainingError.unusableData` naming `source` and the first violation.
    public init(images: [String], scenes: [TrainingScene], source: String) throws {
        let count = images.count
        func check(_ index: Int, _ what: String, _ scene: TrainingScene) throws {
            guard (0 ..< count).contains(index) else {
                throw TrainingError.unusableData(
                    path: source, reason: "\(scene.name): \(what) \(index) is outside the image list (\(count) images)")
            }
        }
        for scene in scenes {
            guard !scene.records.isEmpty else {
                throw TrainingError.unusableData(path: source, reason: "\(scene.name) has no records")
            }
            for index in scene.images { try check(index, "image", scene) }
            for record in scene.records {
                try check(record.anchor, "anchor", scene)
                guard !record.positives.isEmpty else {
                    throw TrainingError.unusableData(
                        path: source, reason: "\(scene.name): anchor \(record.anchor) has no positive")
                }
                for index in record.positives { try check(index, "positive", scene) }
                for index in record.negatives { try check(index, "negative", scene) }
                for index in record.hardNegatives { try check(index, "hard negative", scene) }
            }
        }
        guard scenes.count >= 2 else {
            throw TrainingError.unusableData(
                path: source,
                reason: "\(scenes.count) scene\(scenes.count == 1 ? "" : "s") with an anchor and a positive; "
                    + "a triplet batch draws each triplet from a different scene, so at least 2 are needed")
        }
        self.images = images
        self.scenes = scenes
        self.source = source
    }

    /// Total number of records (anchors) over all scenes.
    public var recordCount: Int { scenes.reduce(0) { $0 + $1.records.count } }
}

/// One scene: the records whose anchors the sampler can draw, and the images that belong to it.
public struct TrainingScene: Equatable, Sendable {
    /// How messages name the scene: `dataset 3` (GL3D, 0-based as in the file) or
    /// `scene of image 17` (pairs format: its smallest image index).
    public let name: String
    /// Records in file order (GL3D) or by anchor index (pairs format).
    public let records: [TrainingRecord]
    /// Every image of the scene, ascending and unique. The sampler draws a negative for another
    /// scene's anchor from these when a record lists no negatives (`TripletSampler`).
    public let images: [Int]

    /// A scene; `images` defaults to the anchors and positives of `records`.
    public init(name: String, records: [TrainingRecord], images: [Int]? = nil) {
        self.name = name
        self.records = records
        self.images = images.map { Array(Set($0)).sorted() }
            ?? Array(Set(records.flatMap { [$0.anchor] + $0.positives })).sorted()
    }
}

/// An anchor image with the images that match it and those that do not.
public struct TrainingRecord: Equatable, Sendable {
    /// The anchor (the seed's `ref_idx`).
    public let anchor: Int
    /// Images that match the anchor (never empty in a `TrainingSet`).
    public let positives: [Int]
    /// Images the seed's file lists as non-matching (GL3D `neg idx`); empty in the pairs format,
    /// whose negatives come from other scenes.
    public let negatives: [Int]
    /// Same-scene images that overlap the anchor little (pairs format with a hard-negative
    /// threshold); drawn first when the sampler's hard-negative mode is on.
    public let hardNegatives: [Int]

    public init(anchor: Int, positives: [Int], negatives: [Int] = [], hardNegatives: [Int] = []) {
        self.anchor = anchor
        self.positives = positives
        self.negatives = negatives
        self.hardNegatives = hardNegatives
    }
}

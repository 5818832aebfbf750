/// A training image that could not be used: missing, unreadable or undecodable.
///
/// The seed stops on the first such image (its `tf.data` pipeline raises). `mirror train`
/// replaces the image's triplet by a deterministic redraw instead and reports the image through
/// this value, so one corrupt JPEG among 10⁵ costs a log line, not a day of training
/// (`TrainingBatchLoader`).
public struct BadImage: Equatable, Sendable, CustomStringConvertible {
    /// Index of the image in `TrainingSet.images`.
    public let index: Int
    /// The resolved file path.
    public let path: String
    /// Why it failed, as the decoder put it.
    public let reason: String

    public init(index: Int, path: String, reason: String) {
        self.index = index
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

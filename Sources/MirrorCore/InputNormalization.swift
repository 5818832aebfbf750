/// Per-channel input normalisation `x' = (x − mean[c]) / std[c]`, applied to float32 pixel values
/// in `[0, 255]` after resizing and cropping.
///
/// - The seed (`cnn_wrapper/helper.py` `spec.mean`, applied by `data_preprocess`, SPEC §1.4)
///   subtracts the RGB mean `[124, 117, 104]` and does not scale: `std = 1`, so the division is
///   exact and the result is bit-identical to TensorFlow's `tf.subtract(img, spec.mean)`.
/// - EfficientNet-Lite maps pixels to about `[−1, 1]` with mean 127 and std 128; dividing by a
///   power of two is exact, so the only rounding is in the subtraction (none for integral inputs).
///
/// `channelOrder` is the order the network expects on the tensor's last axis; decoded images are
/// R, G, B, and `SeedPreprocessing.normalize` reorders when a network wants B, G, R. Weight files
/// store all three fields (Docs/FORMATS.md).
public struct InputNormalization: Equatable, Sendable {
    /// Value subtracted from each channel, one per channel.
    public var mean: [Float]
    /// Divisor applied after the subtraction, one per channel; never zero.
    public var std: [Float]
    /// Channel order the network expects (mean and std are given in this order).
    public var channelOrder: ChannelOrder

    /// The seed's ImageNet mean in RGB order with no scaling (SPEC §1.4).
    public static let seed = InputNormalization(mean: [124, 117, 104], std: [1, 1, 1])

    /// EfficientNet-Lite's `(x − 127) / 128`.
    public static let efficientNetLite = InputNormalization(mean: [127, 127, 127], std: [128, 128, 128])

    /// Creates a normalisation; `mean` and `std` must have the same, non-zero length and `std`
    /// must not contain zero.
    public init(mean: [Float], std: [Float], channelOrder: ChannelOrder = .rgb) {
        precondition(!mean.isEmpty && mean.count == std.count,
                     "normalisation needs one mean and one std per channel, got \(mean.count) and \(std.count)")
        precondition(!std.contains(0), "normalisation std must be non-zero, got \(std)")
        self.mean = mean
        self.std = std
        self.channelOrder = channelOrder
    }

    /// Number of channels this normalisation applies to.
    public var channels: Int { mean.count }
}

/// Colour channel order of a network input.
public enum ChannelOrder: String, CaseIterable, Sendable {
    case rgb = "RGB"
    case bgr = "BGR"
}

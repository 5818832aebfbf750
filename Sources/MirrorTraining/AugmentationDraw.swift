import MirrorCore

/// The random parameters of one image's augmentation, drawn as the seed's `data_preprocess`
/// (`add_random=True`) draws them (SPEC §8.3): each op takes its own scalar from
/// `tf.random_uniform([], lo, hi)`, per image.
public struct AugmentationDraw: Equatable, Sendable {
    /// `random_contrast(0.5, 1.5)`: factor in [0.5, 1.5).
    public var contrast: Float
    /// `random_saturation(0.5, 1.5)`: factor in [0.5, 1.5).
    public var saturation: Float
    /// `random_hue(0.2)`: hue shift in [−0.2, 0.2) of a full turn.
    public var hue: Float
    /// `random_brightness(0.2)`: offset in [−0.2, 0.2) on the [0, 1] scale (±51 levels).
    public var brightness: Float
    /// `random_flip_left_right`: mirrored when its uniform draw is below 0.5.
    public var flip: Bool

    /// The draw that leaves an image unchanged.
    public static let identity = AugmentationDraw(contrast: 1, saturation: 1, hue: 0, brightness: 0, flip: false)

    public init(contrast: Float, saturation: Float, hue: Float, brightness: Float, flip: Bool) {
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.brightness = brightness
        self.flip = flip
    }

    /// Draws the five parameters from `random` in the seed's op order.
    public init(random: inout TrainingRandom) {
        contrast = random.uniform(0.5 ..< 1.5)
        saturation = random.uniform(0.5 ..< 1.5)
        hue = random.uniform(-0.2 ..< 0.2)
        brightness = random.uniform(-0.2 ..< 0.2)
        flip = random.nextFloat() < 0.5
    }
}

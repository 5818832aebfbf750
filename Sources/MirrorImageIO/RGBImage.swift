/// A decoded 8-bit RGB image, rows top to bottom, pixels interleaved `R,G,B` (HWC).
///
/// This is what the seed's `tf.image.decode_jpeg(buf, channels=3)` produces (SPEC §1.1): grayscale
/// is replicated to three channels, alpha is dropped, 16-bit samples are reduced to 8 bits.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `height · width · 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "empty image \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "\(width)×\(height) RGB needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Pixel channel value at row `y`, column `x`, channel `c` (0 = R).
    @inlinable
    public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        pixels[(y * width + x) * 3 + c]
    }
}

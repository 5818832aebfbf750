internal import CPNG

// PNG decoding and encoding with libpng 1.6's simplified `png_image` API (no setjmp; errors arrive
// in `image.message`). This is the only file that calls libpng.

/// Decodes PNG bytes into 8-bit RGB.
///
/// TF 2.x's `decode_jpeg` also accepts PNG bytes, and the seed's README feeds it `*.png`
/// (SPEC §1.1). The output rules:
/// - **Every PNG type** (gray, gray+alpha, palette, RGB, RGBA; 1–16 bits; interlaced) is expanded
///   by libpng to 8-bit RGB, gray replicated to `R = G = B`, low bit depths scaled to 0…255.
/// - **Alpha is dropped**, colors kept as stored: images with an alpha channel or a `tRNS` chunk
///   are read as RGBA and the A byte discarded (`PixelConversion.rgb(fromRGBA:)`), as PIL's
///   `convert("RGB")` and TF's `decode_png(channels=3)` do. Reading straight into
///   `PNG_FORMAT_RGB` would instead make libpng *composite* onto the buffer (black).
/// - **16-bit samples** are reduced the way the simplified API does when reading into an 8-bit
///   format: `v8 = (v16·255 + 32895) >> 16`, i.e. `v16/257` rounded to nearest (libpng's
///   `png_set_scale_16`). mirror sets `PNG_IMAGE_FLAG_16BIT_sRGB` so that 16-bit data without a
///   `gAMA`/`sRGB` chunk is taken as sRGB-encoded, like every photo tool writes it; the library
///   default would assume linear light and gamma-encode it (linear 0.5 → 188), which neither PIL
///   nor TF does. TF itself truncates (`v16 >> 8`), so mirror can be 1 level above TF there.
/// - **Gamma**: the simplified API always outputs sRGB, so a `gAMA` chunk far from sRGB's
///   (e.g. 1.0, linear) is gamma-converted: up to 72 levels from PIL/TF, which ignore `gAMA`, on
///   the corpus file. The common `gAMA` 1/2.2 is left untouched. There is no switch to turn this
///   off in the simplified API; such files are rare in photo collections.
/// - libpng *warnings* (e.g. a bad ancillary-chunk CRC, an odd ICC profile) do not affect the
///   pixels and are ignored; errors (bad critical-chunk CRC, truncated or short image data, zlib
///   errors) fail the decode, so no partial image is returned. A file cut right after its last
///   `IDAT` still decodes, because every pixel is present (the simplified reader never reads
///   `IEND`); TF rejects that file.
enum PNGDecoder {
    /// Decodes a complete PNG file already known to start with the PNG signature.
    ///
    /// `png_image_begin_read_from_memory` parses the header; `width · height` is checked against
    /// `maxPixels` before the pixel buffer is allocated. (libpng itself refuses dimensions above
    /// 1,000,000 per side, its default user limit.)
    ///
    /// - Throws: `ImageIOError.tooLarge` for declared dimensions above `maxPixels`,
    ///   `ImageIOError.decodeFailed` with libpng's message for anything the library rejects.
    static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws(ImageIOError) -> RGBImage {
        // libpng keeps pointing into `memory` until png_image_finish_read, so the whole read
        // happens inside this one closure.
        let outcome = bytes.withUnsafeBytes { memory -> Result<RGBImage, ImageIOError> in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }

            guard png_image_begin_read_from_memory(&image, memory.baseAddress, memory.count) != 0 else {
                return .failure(.decodeFailed(path: name, reason: message(of: image)))
            }
            let width = Int(image.width), height = Int(image.height)
            guard width * height <= maxPixels else {
                return .failure(.tooLarge(path: name, width: width, height: height, limit: maxPixels))
            }
            let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            let channels = hasAlpha ? 4 : 3
            image.format = UInt32(hasAlpha ? PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA : PNG_FORMAT_FLAG_COLOR)
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)   // only valid after begin_read

            let count = width * height * channels
            precondition(mirror_png_image_size(&image) == count, "libpng buffer size disagrees")
            var succeeded = false
            let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Row stride 0 = tightly packed rows, top row first; no background is needed
                // because nothing is composited.
                succeeded = png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil) != 0
                initialized = succeeded ? count : 0
            }
            guard succeeded else {
                return .failure(.decodeFailed(path: name, reason: message(of: image)))
            }
            let rgb = hasAlpha ? PixelConversion.rgb(fromRGBA: pixels) : pixels
            return .success(RGBImage(width: width, height: height, pixels: rgb))
        }
        return try outcome.get()
    }

    /// The NUL-terminated `image.message` libpng filled in on failure.
    fileprivate static func message(of image: png_image) -> String {
        let text = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng failed without a message" : text
    }
}

/// Encodes 8-bit RGB images as PNG (`png_image_write_to_memory`: 8-bit RGB, no interlacing,
/// libpng's default zlib level). Used for the precision–recall plots of `mirror eval`.
public enum PNGEncoder {
    /// The PNG file bytes of `image`.
    /// - Throws: `ImageIOError.encodeFailed` with libpng's message.
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = UInt32(PNG_FORMAT_RGB)
        defer { png_image_free(&png) }
        let stride = Int32(image.width * 3)
        return try image.pixels.withUnsafeBytes { pixels in
            // First call: the size needed (memory == nil); second call: the bytes.
            var size = 0
            guard png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, stride, nil) != 0 else {
                throw ImageIOError.encodeFailed(path: "(memory)", reason: PNGDecoder.message(of: png))
            }
            var bytes = [UInt8](repeating: 0, count: size)
            let written = bytes.withUnsafeMutableBytes { output in
                png_image_write_to_memory(&png, output.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
            guard written != 0 else {
                throw ImageIOError.encodeFailed(path: "(memory)", reason: PNGDecoder.message(of: png))
            }
            return Array(bytes.prefix(size))
        }
    }
}

/// Which libjpeg inverse DCT decodes a JPEG. The two differ by a few levels per channel on
/// photos (SPEC §1.1; measured on mirror's corpus in Docs/ARCHITECTURE.md), so parity with the
/// seed requires `.fast`.
public enum DCTMethod: String, CaseIterable, Sendable {
    /// libjpeg's IFAST integer DCT: the default of TF1's `decode_jpeg`, hence the seed's, and
    /// mirror's default.
    case fast
    /// libjpeg's ISLOW integer DCT: what PIL uses.
    case accurate
}

/// Turns JPEG or PNG bytes into an `RGBImage` the way the seed's
/// `tf.image.decode_jpeg(buf, channels=3)` does (SPEC §1.1).
///
/// The format comes from the magic bytes, never the file name: JPEG starts `FF D8 FF`, PNG with
/// its 8-byte signature. JPEG goes through TurboJPEG (`JPEGDecoder`: IFAST by default, fancy
/// upsampling, grayscale replicated, CMYK converted as TF does), PNG through libpng's simplified
/// API (`PNGDecoder`: alpha dropped, 16-bit rounded to 8). Decoding never crashes and never
/// returns a partial image: a truncated or corrupt file is an error.
///
/// Stateless and thread-safe: each call owns its library handles.
public enum ImageDecoder {
    /// Upper bound on `width · height` accepted: 100 megapixels (a 10000×10000 image).
    ///
    /// Checked against the dimensions declared in the header, before any pixel buffer exists. It
    /// bounds memory: the result holds 3 bytes per pixel (300 MB at the limit); CMYK JPEGs and
    /// PNGs with alpha pass through a 4-byte-per-pixel buffer first (peak 7 bytes per pixel,
    /// 700 MB); progressive JPEGs add libjpeg's whole-image coefficient buffer of 2 bytes per
    /// stored sample (at most 8 bytes per pixel for 4:4:4 CMYK, typically 3 for 4:2:0).
    public static let maxPixels = 100_000_000

    /// Decodes the JPEG or PNG file at `path`.
    ///
    /// - Throws: `ImageIOError` only: `.unreadable` (missing, a directory, not a regular file,
    ///   over 1 GiB), `.empty`, `.unsupportedFormat`, `.decodeFailed`, `.tooLarge`; each names
    ///   `path`.
    public static func decode(path: String, dct: DCTMethod = .fast) throws -> RGBImage {
        try decodeFile(path: path, dct: dct)
    }

    /// Decodes JPEG or PNG bytes already in memory; `name` identifies them in errors.
    ///
    /// - Throws: `ImageIOError` only: `.empty`, `.unsupportedFormat`, `.decodeFailed`, `.tooLarge`.
    public static func decode(data: [UInt8], name: String, dct: DCTMethod = .fast) throws -> RGBImage {
        try decodeBytes(data, name: name, dct: dct)
    }

    // Typed throws inside, so the compiler holds the "ImageIOError only" promise.
    private static func decodeFile(path: String, dct: DCTMethod) throws(ImageIOError) -> RGBImage {
        try decodeBytes(try FileBytes.load(path: path), name: path, dct: dct)
    }

    private static func decodeBytes(_ data: [UInt8], name: String, dct: DCTMethod) throws(ImageIOError) -> RGBImage {
        guard !data.isEmpty else { throw .empty(path: name) }
        switch ImageFormat.sniff(data) {
        case .jpeg: return try JPEGDecoder.decode(data, name: name, dct: dct, maxPixels: maxPixels)
        case .png: return try PNGDecoder.decode(data, name: name, maxPixels: maxPixels)
        case nil: throw .unsupportedFormat(path: name, reason: ImageFormat.describeUnsupported(data))
        }
    }
}

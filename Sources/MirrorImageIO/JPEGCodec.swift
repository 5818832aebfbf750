internal import CTurboJPEG

/// Decodes JPEG bytes with libjpeg-turbo's TurboJPEG API (Debian 2.1.5: `tjInitDecompress`,
/// `tjDecompressHeader3`, `tjDecompress2`, `tjGetErrorStr2`). This file (decoder and
/// `JPEGEncoder`) is the only one that calls TurboJPEG.
///
/// The settings reproduce the seed's `tf.image.decode_jpeg(buf, channels=3)` (SPEC §1.1):
/// - **DCT**: IFAST (`TJFLAG_FASTDCT`) for `.fast`, TF1's default; ISLOW (`TJFLAG_ACCURATEDCT`)
///   for `.accurate`, PIL's choice.
/// - **Fancy upsampling on**: `TJFLAG_FASTUPSAMPLE` is deliberately not set, as TF sets
///   `do_fancy_upsampling = TRUE`.
/// - **Grayscale** is decoded to one channel and replicated to `R = G = B`.
/// - **CMYK/YCCK**: TurboJPEG cannot convert them to RGB, so they are decoded to `TJPF_CMYK` and
///   converted with TF's formula, chosen by the presence of an Adobe APP14 segment
///   (`PixelConversion.rgb(fromCMYK:adobeInverted:)`).
///
/// Stricter than TF: libjpeg reports truncated or corrupt entropy data as a *warning* and fills in
/// the rest of the image. `TJFLAG_STOPONWARNING` turns every warning into an error, so mirror
/// never returns a partially decoded image (TF returns one for some warnings, e.g. extraneous
/// bytes before a marker). `TJFLAG_LIMITSCANS` rejects progressive files with more than 500 scans,
/// libjpeg-turbo's guard against scan-count denial of service; real encoders write about ten.
enum JPEGDecoder {
    /// Decodes a complete JPEG file already known to start with `FF D8 FF`.
    ///
    /// The header is read first and `width · height` checked against `maxPixels` before any pixel
    /// buffer is allocated.
    ///
    /// - Throws: `ImageIOError.tooLarge` for declared dimensions above `maxPixels`,
    ///   `ImageIOError.decodeFailed` with libjpeg's message for anything the library rejects.
    static func decode(_ bytes: [UInt8], name: String, dct: DCTMethod, maxPixels: Int) throws(ImageIOError) -> RGBImage {
        let decompressor = try Decompressor(name: name)
        let header = try decompressor.readHeader(bytes)
        guard header.width * header.height <= maxPixels else {
            throw .tooLarge(path: name, width: header.width, height: header.height, limit: maxPixels)
        }
        var flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        flags |= dct == .fast ? TJFLAG_FASTDCT : TJFLAG_ACCURATEDCT

        let pixels: [UInt8]
        switch header.colorspace {
        case Int32(TJCS_GRAY.rawValue):
            let gray = try decompressor.decompress(bytes, header, format: TJPF_GRAY, channels: 1, flags: flags)
            pixels = PixelConversion.rgb(fromGray: gray)
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue):
            let cmyk = try decompressor.decompress(bytes, header, format: TJPF_CMYK, channels: 4, flags: flags)
            pixels = PixelConversion.rgb(fromCMYK: cmyk, adobeInverted: JPEGMarkers.hasAdobeSegment(bytes))
        default:   // YCbCr or RGB: libjpeg converts to RGB itself.
            pixels = try decompressor.decompress(bytes, header, format: TJPF_RGB, channels: 3, flags: flags)
        }
        return RGBImage(width: header.width, height: header.height, pixels: pixels)
    }
}

/// What `tjDecompressHeader3` reports.
private struct JPEGHeader {
    let width: Int
    let height: Int
    /// A `TJCS_*` value.
    let colorspace: Int32
}

/// Owns one TurboJPEG decompressor handle and destroys it in `deinit`; every TurboJPEG status code
/// is turned into an `ImageIOError` here.
private final class Decompressor {
    private let handle: tjhandle
    private let name: String

    init(name: String) throws(ImageIOError) {
        guard let handle = tjInitDecompress() else {
            // With a NULL handle, tjGetErrorStr2 returns the thread's last global error.
            throw .decodeFailed(path: name, reason: "cannot create a TurboJPEG decompressor: "
                                + String(cString: tjGetErrorStr2(nil)))
        }
        self.handle = handle
        self.name = name
    }

    deinit { tjDestroy(handle) }

    func readHeader(_ bytes: [UInt8]) throws(ImageIOError) -> JPEGHeader {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { source in
            tjDecompressHeader3(handle, source.baseAddress, UInt(source.count),
                                &width, &height, &subsampling, &colorspace)
        }
        guard status == 0 else { throw failure() }
        guard width > 0, height > 0 else {
            throw .decodeFailed(path: name, reason: "JPEG header declares an empty \(width)×\(height) image")
        }
        return JPEGHeader(width: Int(width), height: Int(height), colorspace: colorspace)
    }

    /// Decodes the whole image into `width · height · channels` bytes, top row first.
    func decompress(_ bytes: [UInt8], _ header: JPEGHeader, format: TJPF, channels: Int,
                    flags: Int32) throws(ImageIOError) -> [UInt8] {
        let count = header.width * header.height * channels
        var status: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = bytes.withUnsafeBufferPointer { source in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), buffer.baseAddress,
                              Int32(header.width), 0, Int32(header.height), Int32(format.rawValue), flags)
            }
            initialized = status == 0 ? count : 0
        }
        guard status == 0 else { throw failure() }
        return pixels
    }

    /// The library's message for the last failed call on this handle. A warning only fails a call
    /// because mirror sets `TJFLAG_STOPONWARNING`, which the reason says.
    private func failure() -> ImageIOError {
        var reason = String(cString: tjGetErrorStr2(handle))
        if tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) {
            reason += " (a libjpeg warning; mirror treats it as an error rather than return a partial image)"
        }
        return .decodeFailed(path: name, reason: reason)
    }
}

/// Encodes RGB images as baseline JPEG through TurboJPEG (`tjInitCompress`, `tjCompress2`).
///
/// Used to reproduce the seed's Oxford/Paris query images, which `scipy.misc.imsave` re-encoded
/// through PIL with its defaults (SPEC §5): quality 75, 4:2:0 chroma subsampling, ISLOW forward
/// DCT, standard Huffman tables — TurboJPEG's defaults for the same quality and subsampling.
public enum JPEGEncoder {
    public enum Subsampling: Sendable {
        case s444, s420

        var turboJPEG: Int32 { self == .s444 ? Int32(TJSAMP_444.rawValue) : Int32(TJSAMP_420.rawValue) }
    }

    /// The JPEG file bytes of `image`. `quality` is 1…100 (libjpeg's scale).
    public static func encode(_ image: RGBImage, quality: Int = 75, subsampling: Subsampling = .s420) throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality \(quality) outside 1...100")
        guard let handle = tjInitCompress() else {
            throw ImageIOError.encodeFailed(path: "(memory)", reason: "cannot create a TurboJPEG compressor")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), Int32(image.width * 3), Int32(image.height),
                        Int32(TJPF_RGB.rawValue), &output, &size, subsampling.turboJPEG, Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { tjFree(output) }
        guard status == 0, let output else {
            throw ImageIOError.encodeFailed(path: "(memory)", reason: String(cString: tjGetErrorStr2(handle)))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}

/// The image formats mirror decodes, recognised by magic bytes so that a PNG named `.jpg` (common
/// in scraped datasets) still decodes and a text file named `.jpg` is reported as what it is.
enum ImageFormat {
    case jpeg
    case png

    /// `FF D8 FF`: SOI followed by the first byte of the next marker.
    static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    /// The 8-byte PNG signature `89 'P' 'N' 'G' CR LF SUB LF`.
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: jpegMagic) { return .jpeg }
        if bytes.starts(with: pngMagic) { return .png }
        return nil
    }

    /// A reason for `ImageIOError.unsupportedFormat`: the first bytes in hex, plus a guess at
    /// the actual format when it is a common one, e.g.
    /// `not a JPEG or PNG (starts with 47 49 46 38 39 61 …, looks like GIF)`.
    static func describeUnsupported(_ bytes: [UInt8]) -> String {
        let head = bytes.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: " ")
        var text = "not a JPEG or PNG (starts with \(head)\(bytes.count > 8 ? " …" : "")"
        if let guess = guessFormat(bytes) { text += ", looks like \(guess)" }
        return text + ")"
    }

    private static func guessFormat(_ bytes: [UInt8]) -> String? {
        func has(_ text: String, at offset: Int = 0) -> Bool {
            bytes.dropFirst(offset).starts(with: Array(text.utf8))
        }
        if has("GIF8") { return "GIF" }
        if has("RIFF") && has("WEBP", at: 8) { return "WebP" }
        if has("II*\u{0}") || has("MM\u{0}*") { return "TIFF" }
        if has("BM") { return "BMP" }
        if has("ftyp", at: 4) { return "an ISO media file (HEIC/AVIF/MP4)" }
        if bytes.starts(with: [0xFF, 0xD8]) { return "a damaged JPEG (SOI not followed by a marker)" }
        if bytes.count < pngMagic.count && pngMagic.starts(with: bytes) { return "a PNG cut off inside its signature" }
        let sample = bytes.prefix(512)
        if sample.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) }) {
            return "text"
        }
        return nil
    }
}

/// A bounds-checked walk over a JPEG's marker segments, from SOI to the first SOS.
///
/// TurboJPEG does not expose libjpeg's `saw_Adobe_marker`, yet TF's CMYK → RGB rule depends on it
/// (SPEC §1.1), so mirror finds the Adobe APP14 segment itself. The walk reads only the header
/// segments, never entropy-coded data, and any malformation just ends it: the decoder proper
/// reports corrupt headers, so this scan never needs to fail.
enum JPEGMarkers {
    /// Whether an Adobe APP14 segment appears before the first SOS, recognised the way libjpeg's
    /// `examine_app14` does: marker `FF EE`, at least 12 payload bytes, payload starting `"Adobe"`.
    ///
    /// Only the header is scanned, as libjpeg's `jpeg_read_header` does; encoders write APP14
    /// there (an APP14 placed between progressive scans is not seen).
    static func hasAdobeSegment(_ bytes: [UInt8]) -> Bool {
        var found = false
        forEachHeaderSegment(bytes) { marker, payload in
            if marker == 0xEE, payload.count >= 12, Array(payload.prefix(5)) == Array("Adobe".utf8) {
                found = true
                return false
            }
            return true
        }
        return found
    }

    /// Calls `body(marker, payload)` for each length-prefixed segment after SOI and before SOS,
    /// EOI or the first malformed byte; `body` returns `false` to stop early.
    ///
    /// Layout (ITU T.81 B.1.1): each marker is `FF xx`, optionally preceded by extra `FF` fill
    /// bytes; `01` (TEM) and `D0`–`D7` (RSTn) stand alone; every other marker is followed by a
    /// big-endian 16-bit length that counts itself (so ≥ 2) and then the payload.
    static func forEachHeaderSegment(_ bytes: [UInt8], _ body: (UInt8, ArraySlice<UInt8>) -> Bool) {
        guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return }
        var index = 2
        while index < bytes.count {
            guard bytes[index] == 0xFF else { return }   // junk between segments: stop
            while index < bytes.count, bytes[index] == 0xFF { index += 1 }
            guard index < bytes.count else { return }
            let marker = bytes[index]
            index += 1
            switch marker {
            case 0x01, 0xD0...0xD7:
                continue
            case 0xDA, 0xD9, 0xD8, 0x00:   // SOS, EOI, a second SOI, or a stuffed zero: stop
                return
            default:
                guard index + 2 <= bytes.count else { return }
                let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                guard length >= 2, index + length <= bytes.count else { return }
                guard body(marker, bytes[(index + 2)..<(index + length)]) else { return }
                index += length
            }
        }
    }
}

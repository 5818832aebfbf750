/// The channel conversions that turn a decoder's native layout into `RGBImage`'s interleaved RGB,
/// each written to reproduce what the seed's `tf.image.decode_jpeg(buf, channels=3)` returns
/// (SPEC §1.1). Pure Swift, so the rules are visible in one place and testable without C.
enum PixelConversion {
    /// One gray byte per pixel → `R = G = B = gray`, identical to TF's `channels=3` decode of a
    /// grayscale JPEG (SPEC §1.1) and to libpng's gray-to-RGB expansion.
    static func rgb(fromGray gray: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: gray.count * 3) { out, initialized in
            for (index, value) in gray.enumerated() {
                out[3 * index] = value
                out[3 * index + 1] = value
                out[3 * index + 2] = value
            }
            initialized = gray.count * 3
        }
    }

    /// Four bytes `R,G,B,A` per pixel → `R,G,B`: alpha is dropped, the color channels are kept
    /// exactly as stored (no compositing onto a background), as PIL's `convert("RGB")` and TF's
    /// `decode_png(channels=3)` do.
    static func rgb(fromRGBA rgba: [UInt8]) -> [UInt8] {
        let pixels = rgba.count / 4
        return [UInt8](unsafeUninitializedCapacity: pixels * 3) { out, initialized in
            for index in 0..<pixels {
                out[3 * index] = rgba[4 * index]
                out[3 * index + 1] = rgba[4 * index + 1]
                out[3 * index + 2] = rgba[4 * index + 2]
            }
            initialized = pixels * 3
        }
    }

    /// Four bytes `C,M,Y,K` per pixel, exactly as libjpeg returns them for `JCS_CMYK` output (the
    /// stored values, YCCK already turned into CMYK) → RGB, with TF1's `DecodeJpeg` arithmetic
    /// (SPEC §1.1), C integer division (truncation) throughout:
    ///
    /// - `adobeInverted == true` (the file has an Adobe APP14 marker, so Photoshop-style inverted
    ///   values are stored): `R = K·C/255, G = K·M/255, B = K·Y/255`.
    ///   Example: stored (144, 249, 115, 144) → (81, 140, 64) [V bit-exact against TF].
    /// - `adobeInverted == false`: `R = (255−K)(255−C)/255`, likewise for G (M) and B (Y).
    static func rgb(fromCMYK cmyk: [UInt8], adobeInverted: Bool) -> [UInt8] {
        let pixels = cmyk.count / 4
        return [UInt8](unsafeUninitializedCapacity: pixels * 3) { out, initialized in
            for index in 0..<pixels {
                var c = Int(cmyk[4 * index]), m = Int(cmyk[4 * index + 1])
                var y = Int(cmyk[4 * index + 2]), k = Int(cmyk[4 * index + 3])
                if !adobeInverted {
                    c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k
                }
                // Each product is at most 255·255, so the quotient fits a byte.
                out[3 * index] = UInt8(k * c / 255)
                out[3 * index + 1] = UInt8(k * m / 255)
                out[3 * index + 2] = UInt8(k * y / 255)
            }
            initialized = pixels * 3
        }
    }
}

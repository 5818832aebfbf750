import MirrorImageIO
import XCTest

/// `PNGEncoder` writes lossless 8-bit RGB PNGs that `ImageDecoder` (libpng) reads back exactly.
final class PNGEncoderTests: XCTestCase {
    func testRoundTripThroughTheDecoderIsExact() throws {
        for (width, height) in [(1, 1), (7, 3), (64, 48), (301, 17)] {
            var state: UInt32 = 12345
            let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
                state = state &* 1_664_525 &+ 1_013_904_223
                return UInt8(truncatingIfNeeded: state >> 24)
            }
            let image = RGBImage(width: width, height: height, pixels: pixels)
            let bytes = try PNGEncoder.encode(image)
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            XCTAssertEqual(try ImageDecoder.decode(data: bytes, name: "roundtrip.png"), image, "\(width)×\(height)")
        }
    }

    func testFlatImagesCompress() throws {
        let image = RGBImage(width: 640, height: 480, pixels: [UInt8](repeating: 255, count: 640 * 480 * 3))
        let bytes = try PNGEncoder.encode(image)
        XCTAssertLessThan(bytes.count, 10_000)
        XCTAssertEqual(try ImageDecoder.decode(data: bytes, name: "white.png"), image)
    }
}

import Dispatch
import Foundation
import MirrorImageIO
import TestSupport
import XCTest

/// Named behaviours of `ImageDecoder` (SPEC §1.1), each on the smallest fixture that shows it.
final class ImageDecoderTests: XCTestCase {
    private func fixture(_ name: String) -> String { DecoderCorpus.path(name) }

    private func decodeError(_ body: () throws -> RGBImage) -> ImageIOError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? ImageIOError
        }
    }

    func testDCTMethodNames() {
        XCTAssertEqual(DCTMethod.allCases.map(\.rawValue), ["fast", "accurate"])
    }

    // MARK: Color handling

    func testGrayscaleJPEGIsReplicatedToRGB() throws {
        let image = try ImageDecoder.decode(path: fixture("gray_40x30.jpg"))
        XCTAssertEqual(image.width, 40)
        XCTAssertEqual(image.height, 30)
        for y in 0..<image.height {
            for x in 0..<image.width {
                XCTAssertEqual(image[y, x, 0], image[y, x, 1])
                XCTAssertEqual(image[y, x, 0], image[y, x, 2])
            }
        }
        XCTAssertGreaterThan(Set(image.pixels).count, 20, "a real gradient, not a flat gray")
    }

    func testCMYKWithAdobeMarkerUsesStoredInvertedValues() throws {
        // Stored (144,249,115,144) → R = K·C/255 = 144·144/255 = 81, G = 140, B = 64 (SPEC §1.1).
        let image = try ImageDecoder.decode(path: fixture("cmyk_uniform_adobe_8x8.jpg"))
        for pixel in 0..<(image.width * image.height) {
            XCTAssertEqual(Array(image.pixels[(3 * pixel)..<(3 * pixel + 3)]), [81, 140, 64])
        }
    }

    func testCMYKWithoutAdobeMarkerUsesComplementFormula() throws {
        // Same stored bytes, no APP14: R = (255−144)(255−144)/255 = 48, G = 111·6/255 = 2,
        // B = 111·140/255 = 60, all with C integer division.
        let image = try ImageDecoder.decode(path: fixture("cmyk_uniform_no_adobe_8x8.jpg"))
        for pixel in 0..<(image.width * image.height) {
            XCTAssertEqual(Array(image.pixels[(3 * pixel)..<(3 * pixel + 3)]), [48, 2, 60])
        }
    }

    func testPNGAlphaIsDroppedNotComposited() throws {
        // Same colors written once as RGB and once as RGBA whose first four rows are fully
        // transparent: compositing would blacken those rows.
        let rgb = try ImageDecoder.decode(path: fixture("rgb8_24x16.png"))
        let rgba = try ImageDecoder.decode(path: fixture("rgba8_24x16.png"))
        XCTAssertEqual(rgba, rgb)
    }

    func testSixteenBitSamplesRoundToNearestOf257() throws {
        // The ramp holds sample value (3·i + c) mod 65536 at pixel i, channel c: every value once.
        let image = try ImageDecoder.decode(path: fixture("rgb16_ramp_128x171.png"))
        for (index, value) in image.pixels.enumerated() {
            let sample = index % 65536
            XCTAssertEqual(Int(value), (sample * 255 + 32895) >> 16, "sample \(sample)")
            if Int(value) != (sample * 255 + 32895) >> 16 { break }
        }
    }

    // MARK: Format detection

    func testFormatComesFromMagicBytesNotTheName() throws {
        let png = try ImageDecoder.decode(path: fixture("png_named.jpg"))
        XCTAssertEqual([png.width, png.height], [16, 12])
        let jpeg = try ImageDecoder.decode(path: fixture("jpeg_named.png"))
        XCTAssertEqual([jpeg.width, jpeg.height], [24, 16])
    }

    func testUnsupportedFormatSaysWhatTheBytesLookLike() {
        let gif = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
        guard case .unsupportedFormat(let path, let reason)? = decodeError({
            try ImageDecoder.decode(data: gif, name: "photo.jpg")
        }) else { return XCTFail("expected unsupportedFormat") }
        XCTAssertEqual(path, "photo.jpg")
        XCTAssertTrue(reason.contains("starts with 47 49 46 38 39 61 01 00"), reason)
        XCTAssertTrue(reason.contains("GIF"), reason)

        let text = decodeError { try ImageDecoder.decode(path: self.fixture("text.jpg")) }
        XCTAssertTrue(text?.description.contains("looks like text") == true, "\(String(describing: text))")
    }

    func testEmptyDataIsEmpty() {
        XCTAssertEqual(decodeError { try ImageDecoder.decode(data: [], name: "nothing.png") },
                       .empty(path: "nothing.png"))
    }

    // MARK: Errors and limits

    func testDeclaredSizeAboveMaxPixelsIsRefusedBeforeDecoding() {
        XCTAssertEqual(ImageDecoder.maxPixels, 100_000_000)
        let cases: [(String, Int, Int)] = [
            ("huge_sof_60000x60000.jpg", 60000, 60000), ("sof_10001x10000.jpg", 10001, 10000),
            ("png_huge_ihdr_60000x60000.png", 60000, 60000), ("png_ihdr_10001x10000.png", 10001, 10000),
        ]
        for (name, width, height) in cases {
            let path = fixture(name)
            XCTAssertEqual(decodeError { try ImageDecoder.decode(path: path) },
                           .tooLarge(path: path, width: width, height: height, limit: ImageDecoder.maxPixels))
        }
    }

    func testMissingFileIsUnreadable() throws {
        let directory = try TestPaths.makeTemporaryDirectory("mirror-decode")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("absent.jpg").path
        guard case .unreadable(let errorPath, let reason)? = decodeError({ try ImageDecoder.decode(path: path) })
        else { return XCTFail("expected unreadable") }
        XCTAssertEqual(errorPath, path)
        XCTAssertTrue(reason.contains("No such file"), reason)
    }

    func testDirectoryIsUnreadable() throws {
        let directory = try TestPaths.makeTemporaryDirectory("mirror-decode")
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertEqual(decodeError { try ImageDecoder.decode(path: directory.path) },
                       .unreadable(path: directory.path, reason: "is a directory"))
    }

    func testDecodeFailuresCarryTheLibraryReason() {
        let expectations = [
            ("truncated_scan_50pct.jpg", "Premature end of JPEG file"),
            ("extraneous_bytes_before_marker.jpg", "extraneous bytes before marker"),
            ("undefined_huffman_table.jpg", "Huffman table"),
            ("png_bad_crc_idat.png", "CRC"),
            ("png_truncated_mid_idat.png", ""),
        ]
        for (name, fragment) in expectations {
            guard case .decodeFailed(_, let reason)? = decodeError({ try ImageDecoder.decode(path: self.fixture(name)) })
            else { XCTFail("\(name): expected decodeFailed"); continue }
            XCTAssertFalse(reason.isEmpty, name)
            if !fragment.isEmpty { XCTAssertTrue(reason.contains(fragment), "\(name): \(reason)") }
        }
    }

    func testErrorsFromMemoryUseTheGivenName() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("truncated_scan_50pct.jpg"))))
        XCTAssertEqual(decodeError { try ImageDecoder.decode(data: bytes, name: "camera/IMG_0001.JPG") }?.path,
                       "camera/IMG_0001.JPG")
    }

    func testConcurrentDecodesAgree() throws {
        // Each call owns its library handles, so parallel decodes (extract runs them) are safe.
        let names = ["baseline_420_64x48.jpg", "progressive_64x48.jpg", "cmyk_adobe_40x32.jpg",
                     "rgba16_20x12.png", "interlaced_rgb8_24x16.png", "truncated_scan_50pct.jpg"]
        let serial = names.map { name in Result { try ImageDecoder.decode(path: fixture(name)) } }
        let results = UnsafeMutableBufferPointer<Result<RGBImage, Error>?>.allocate(capacity: names.count * 8)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: names.count * 8) { index in
            let path = DecoderCorpus.path(names[index % names.count])
            results[index] = Result { try ImageDecoder.decode(path: path) }
        }
        for index in 0..<results.count {
            switch (results[index], serial[index % names.count]) {
            case (.success(let a)?, .success(let b)): XCTAssertEqual(a, b)
            case (.failure(let a)?, .failure(let b)): XCTAssertEqual(a as? ImageIOError, b as? ImageIOError)
            default: XCTFail("\(names[index % names.count]): parallel and serial decodes disagree")
            }
        }
    }
}

import Foundation
import MirrorImageIO
import XCTest

/// Runs every file of the decoder corpus (`Fixtures/decoder/`) through `ImageDecoder` and checks
/// the outcome `manifest.tsv` lists: the typed error naming the file, or pixels within the stated
/// bound of an independent decoder (TensorFlow for JPEG, PIL or numpy for PNG).
final class DecoderCorpusTests: XCTestCase {
    private var corpus: DecoderCorpus!

    override func setUpWithError() throws {
        corpus = try DecoderCorpus()
    }

    override func tearDown() {
        corpus = nil   // XCTest on Linux never frees test-case instances; keep leak reports clean
    }

    func testManifestCoversEveryFixtureAndEnoughBrokenFiles() throws {
        let listed = Set(corpus.entries.map(\.file))
        let present = try FileManager.default.contentsOfDirectory(atPath: DecoderCorpus.directory.path)
            .filter { !["manifest.tsv", "expected"].contains($0) }
        XCTAssertEqual(listed, Set(present), "every fixture has exactly one manifest row")
        XCTAssertEqual(listed.count, corpus.entries.count, "no file is listed twice")
        XCTAssertGreaterThanOrEqual(corpus.entries.filter { !$0.isValid }.count, 30)
    }

    func testEveryBrokenFileThrowsTheListedErrorNamingTheFile() {
        for entry in corpus.entries where !entry.isValid {
            let path = DecoderCorpus.path(entry.file)
            for dct in DCTMethod.allCases {
                do {
                    let image = try ImageDecoder.decode(path: path, dct: dct)
                    XCTFail("\(entry.file) (\(dct)): expected \(entry.expect), decoded \(image.width)×\(image.height)")
                } catch let error as ImageIOError {
                    XCTAssertEqual(error.kind, entry.expect, "\(entry.file): \(error)")
                    XCTAssertEqual(error.path, path, "\(entry.file): the error names the file")
                    XCTAssertTrue(error.description.contains(entry.file), "\(error)")
                } catch {
                    XCTFail("\(entry.file): threw \(type(of: error)) \(error), not ImageIOError")
                }
            }
        }
    }

    func testEveryValidFileMatchesItsReferenceWithinTheStatedBound() throws {
        var largest: [String: Int] = [:]   // per format and DCT method, for the summary line
        for entry in corpus.entries where entry.isValid {
            for dct in DCTMethod.allCases {
                let reference = try XCTUnwrap(entry.references[dct])
                let expected = try readPPM(DecoderCorpus.path(reference.path))
                let image: RGBImage
                do {
                    image = try ImageDecoder.decode(path: DecoderCorpus.path(entry.file), dct: dct)
                } catch {
                    XCTFail("\(entry.file) (\(dct)): \(error)")
                    continue
                }
                guard image.width == expected.width, image.height == expected.height else {
                    XCTFail("\(entry.file): \(image.width)×\(image.height), expected \(expected.width)×\(expected.height)")
                    continue
                }
                let difference = maxAbsDifference(image, expected)
                let key = reference.path.hasSuffix(".\(dct.rawValue).ppm") ? "JPEG \(dct.rawValue)" : "PNG"
                largest[key] = max(largest[key] ?? 0, difference)
                XCTAssertLessThanOrEqual(difference, reference.maxAbsDiff,
                                         "\(entry.file) (\(dct)): largest difference from \(reference.path)")
            }
        }
        // The measurement Docs/ARCHITECTURE.md quotes.
        print("decoder corpus, largest difference from the reference: "
              + largest.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }

    func testDecodingBytesEqualsDecodingTheFile() throws {
        for entry in corpus.entries where entry.isValid {
            let path = DecoderCorpus.path(entry.file)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(try ImageDecoder.decode(data: bytes, name: entry.file),
                           try ImageDecoder.decode(path: path), entry.file)
        }
    }

    func testFastAndAccurateDCTDifferOnPhotosByAFewLevels() throws {
        // SPEC §1.1: IFAST differs from ISLOW by a few levels; mirror must actually switch.
        let path = DecoderCorpus.path("baseline_444_q95_40x32.jpg")
        let fast = try ImageDecoder.decode(path: path, dct: .fast)
        let accurate = try ImageDecoder.decode(path: path, dct: .accurate)
        let difference = maxAbsDifference(fast, accurate)
        XCTAssertGreaterThan(difference, 0)
        XCTAssertLessThanOrEqual(difference, 8)
        XCTAssertEqual(try ImageDecoder.decode(path: path), fast, ".fast is the default")
    }
}

import Foundation
import MirrorImageIO
import TestSupport

/// `Fixtures/decoder/manifest.tsv` and its reference images, written by
/// `Fixtures/scripts/make_decoder_corpus.py` (see Docs/FIXTURES.md).
struct DecoderCorpus {
    /// One manifest row: a fixture file and what decoding it must give.
    struct Entry {
        let file: String
        /// `ok` or the name of the `ImageIOError` case.
        let expect: String
        /// Reference image and allowed largest per-channel difference, per DCT method.
        let references: [DCTMethod: (path: String, maxAbsDiff: Int)]
        let note: String

        var isValid: Bool { expect == "ok" }
    }

    static let directory = TestPaths.fixtures.appendingPathComponent("decoder")

    let entries: [Entry]

    init() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        func column(_ name: String) throws -> Int {
            guard let index = header.firstIndex(of: name) else { throw CorpusError("manifest lacks column \(name)") }
            return index
        }
        let file = try column("file"), expect = try column("expect"), note = try column("note")
        let fast = (try column("fast_reference"), try column("fast_max_abs_diff"))
        let accurate = (try column("accurate_reference"), try column("accurate_max_abs_diff"))
        entries = try lines.map { fields in
            guard fields.count == header.count else { throw CorpusError("bad manifest row \(fields)") }
            var references: [DCTMethod: (String, Int)] = [:]
            if fields[expect] == "ok" {
                for (method, (path, bound)) in [(DCTMethod.fast, fast), (.accurate, accurate)] {
                    guard let limit = Int(fields[bound]) else { throw CorpusError("bad bound in \(fields)") }
                    references[method] = (fields[path], limit)
                }
            }
            return Entry(file: fields[file], expect: fields[expect], references: references, note: fields[note])
        }
    }

    static func path(_ relative: String) -> String {
        directory.appendingPathComponent(relative).path
    }
}

struct CorpusError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a binary PPM (`P6`, maxval 255), the format the corpus stores reference pixels in.
func readPPM(_ path: String) throws -> RGBImage {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var tokens: [Int] = [], index = 2, current = ""
    guard bytes.starts(with: Array("P6".utf8)) else { throw CorpusError("\(path): not a P6 PPM") }
    while tokens.count < 3, index < bytes.count {
        let byte = bytes[index]
        index += 1
        if (0x30...0x39).contains(byte) { current.append(Character(UnicodeScalar(byte))); continue }
        if !current.isEmpty { tokens.append(Int(current)!); current = "" }
    }
    guard tokens.count == 3, tokens[2] == 255 else { throw CorpusError("\(path): bad PPM header") }
    let pixels = Array(bytes[index...])
    guard pixels.count == tokens[0] * tokens[1] * 3 else { throw CorpusError("\(path): wrong PPM size") }
    return RGBImage(width: tokens[0], height: tokens[1], pixels: pixels)
}

/// Largest `|a − b|` over all channels of two same-sized images.
func maxAbsDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    precondition(a.pixels.count == b.pixels.count)
    var largest = 0
    for (x, y) in zip(a.pixels, b.pixels) { largest = max(largest, abs(Int(x) - Int(y))) }
    return largest
}

extension ImageIOError {
    /// The case name, as the manifest spells it.
    var kind: String {
        switch self {
        case .unreadable: return "unreadable"
        case .empty: return "empty"
        case .unsupportedFormat: return "unsupportedFormat"
        case .decodeFailed: return "decodeFailed"
        case .encodeFailed: return "encodeFailed"
        case .tooLarge: return "tooLarge"
        }
    }
}

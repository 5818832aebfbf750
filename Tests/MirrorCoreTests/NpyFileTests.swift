import Foundation
import MirrorCore
import TestSupport
import XCTest

/// `.npy` round trips against files written by NumPy (Fixtures/scripts/make_npy_fixtures.py) and
/// files written by mirror read back by NumPy.
final class NpyFileTests: XCTestCase {
    /// The fixture formula: v[i] = (i*37 % 101) - 50 + i/4, cast like NumPy's astype.
    private func expected(count: Int, descr: String) -> [Double] {
        (0..<count).map { i in
            let v = Double(i * 37 % 101) - 50 + Double(i) / 4
            switch descr.dropFirst() {
            case "f4": return Double(Float(v))
            case "f2": return Double(Float(Float16(v)))
            case "i4", "i8": return v.rounded(.down)
            case "u1": return abs(v.rounded(.down))
            default: return v
            }
        }
    }

    func testReadsEveryNumPyFixture() throws {
        let directory = TestPaths.fixtures.appendingPathComponent("npy")
        let manifest = try String(contentsOf: directory.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        var checked = 0
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let shape = fields[2].split(separator: ",").map { Int($0)! }
            let array = try NpyFile.read(directory.appendingPathComponent(fields[0]).path)
            XCTAssertEqual(array.shape, shape, fields[0])
            XCTAssertEqual(array.dtype.rawValue, String(fields[1].dropFirst()), fields[0])
            XCTAssertEqual(array.doubles(), expected(count: shape.reduce(1, *), descr: fields[1]), fields[0])
            checked += 1
        }
        XCTAssertEqual(checked, 12)
    }

    func testEncodeAlignsDataTo64BytesAndRoundTrips() throws {
        for shape in [[2048, 35], [3], [], [0, 5], [2, 3, 4, 5]] {
            let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.5 - 3 }
            let bytes = NpyFile.encode(NpyArray(floats: values, shape: shape))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual((10 + headerLength) % 64, 0, "\(shape)")
            XCTAssertEqual(bytes[10 + headerLength - 1], UInt8(ascii: "\n"))
            let back = try NpyFile.parse(bytes, name: "mem")
            XCTAssertEqual(back.shape, shape)
            XCTAssertEqual(back.floats(), values)
        }
    }

    func testHugeHeaderSwitchesToVersion2() throws {
        // A rank-25000 shape of ones makes a header longer than 65535 bytes.
        let shape = [Int](repeating: 1, count: 25000)
        let bytes = NpyFile.encode(NpyArray(floats: [7], shape: shape))
        XCTAssertEqual(bytes[6], 2)
        XCTAssertEqual(try NpyFile.parse(bytes, name: "mem").floats(), [7])
    }

    func testMalformedFilesGiveErrorsNamingTheFile() {
        let good = NpyFile.encode(NpyArray(floats: [1, 2, 3, 4], shape: [2, 2]))
        let cases: [(String, [UInt8])] = [
            ("empty", []),
            ("bad magic", Array("NOTNUMPY-file-here".utf8)),
            ("version 9", Array(good[0..<6]) + [9, 0] + Array(good[8...])),
            ("header past end", Array(good[0..<8]) + [0xFF, 0xFF] + Array(good[10..<40])),
            ("truncated data", Array(good.dropLast(3))),
            ("bad dtype", patch(good, "'<f4'", "'<c8'")),
            ("bad fortran", patch(good, "False", "Maybe")),
            ("no shape", patch(good, "'shape'", "'shope'")),
            ("shape not tuple", patch(good, "(2, 2)", "[2, 2]")),
            ("negative extent", patch(good, "(2, 2)", "(-2,2)")),
        ]
        for (label, bytes) in cases {
            XCTAssertThrowsError(try NpyFile.parse(bytes, name: "case.npy"), label) { error in
                XCTAssertTrue(String(describing: error).hasPrefix("case.npy:"), "\(label): \(error)")
            }
        }
        XCTAssertThrowsError(try NpyFile.read("/nonexistent/features.npy")) { error in
            XCTAssertEqual(error as? AtomicFileError, .cannotRead(path: "/nonexistent/features.npy", reason: "no such file"))
        }
    }

    func testParsesPython2LongSuffixesAndDoubleQuotes() throws {
        let header = "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 1L), }"
        var padded = header + String(repeating: " ", count: 64 - (10 + header.count + 1) % 64) + "\n"
        if (10 + padded.count) % 64 != 0 { padded = header + "\n" }
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)]
            + Array(padded.utf8) + [Float(1.5), Float(-2)].withUnsafeBytes { Array($0) }
        let array = try NpyFile.parse(bytes, name: "py2.npy")
        XCTAssertEqual(array.shape, [2, 1])
        XCTAssertEqual(array.floats(), [1.5, -2])
    }

    func testFilesWrittenByMirrorLoadInNumPy() throws {
        guard let python = pythonWithNumPy() else {
            throw XCTSkip("python3 with NumPy is not installed; the NumPy-side check needs it")
        }
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, NpyArray)] = [
            ("f4.npy", NpyArray(floats: (0..<70).map { Float($0) / 3 }, shape: [2, 35])),
            ("f8.npy", NpyArray(doubles: [1e-300, -0.0, 3.25], shape: [3])),
            ("u1.npy", NpyArray(uint8: [0, 255, 7, 9], shape: [2, 1, 2])),
            ("scalar.npy", NpyArray(floats: [42], shape: [])),
        ]
        for (name, array) in cases { try NpyFile.write(array, to: directory.appendingPathComponent(name).path) }
        let script = """
        import numpy as np, sys
        d = sys.argv[1]
        a = np.load(d + '/f4.npy'); assert a.dtype == np.float32 and a.shape == (2, 35)
        assert np.array_equal(a.ravel(), (np.arange(70, dtype=np.float32) / np.float32(3)))
        b = np.load(d + '/f8.npy'); assert b.dtype == np.float64 and list(b) == [1e-300, -0.0, 3.25]
        c = np.load(d + '/u1.npy'); assert c.dtype == np.uint8 and c.shape == (2, 1, 2) and c.ravel().tolist() == [0, 255, 7, 9]
        s = np.load(d + '/scalar.npy'); assert s.shape == () and s == 42
        print('ok')
        """
        let result = try ProcessRunner.run(python, ["-c", script, directory.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "ok\n")
    }

    private func patch(_ bytes: [UInt8], _ from: String, _ to: String) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        precondition(from.count == to.count && text.contains(from))
        let headerEnd = 10 + (Int(bytes[8]) | Int(bytes[9]) << 8)
        let header = String(decoding: bytes[0..<headerEnd], as: UTF8.self).replacingOccurrences(of: from, with: to)
        return Array(header.utf8) + Array(bytes[headerEnd...])
    }

    private func pythonWithNumPy() -> URL? {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"] {
            let url = URL(fileURLWithPath: path)
            guard FileManager.default.isExecutableFile(atPath: path),
                  let result = try? ProcessRunner.run(url, ["-c", "import numpy"]), result.status == 0 else { continue }
            return url
        }
        return nil
    }
}

import Foundation
import MirrorCore
import TestSupport
import XCTest

/// One row of a fixture's `expected.tsv`, written by Fixtures/scripts/make_checkpoint_fixtures.py
/// from the values TensorFlow/PyTorch themselves read back, cast to float32 by NumPy.
struct ExpectedTensor {
    let name: String
    let dtype: String
    let shape: [Int]
    /// Expected float32 values (empty for strings).
    let values: [Float]
    /// String elements (TF string tensors only).
    let strings: [[UInt8]]?
    /// PyTorch fixtures only: element strides and storage offset as saved.
    let strides: [Int]?
    let storageOffset: Int?
}

enum CheckpointFixtures {
    static let root = TestPaths.fixtures.appendingPathComponent("checkpoints")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Loads `expected.tsv` + `expected.npy` of a fixture folder, in file order.
    static func expectations(_ folder: String) throws -> [ExpectedTensor] {
        let directory = root.appendingPathComponent(folder)
        let values = try NpyFile.read(directory.appendingPathComponent("expected.npy").path).floats()
        let table = try String(contentsOf: directory.appendingPathComponent("expected.tsv"), encoding: .utf8)
        var rows: [ExpectedTensor] = []
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let ints: (String) -> [Int] = { $0.isEmpty ? [] : $0.split(separator: ",").map { Int($0)! } }
            let start = Int(f[3])!, count = Int(f[4])!
            let shape = ints(f[2])
            let isString = f[1] == "string"
            // Hex elements separated by commas; an empty field is an empty string element.
            let strings = !isString || shape.reduce(1, *) == 0
                ? [] : f[5].split(separator: ",", omittingEmptySubsequences: false).map(hexBytes)
            rows.append(ExpectedTensor(
                name: f[0], dtype: f[1], shape: shape,
                values: Array(values[start..<start + count]),
                strings: isString ? strings : nil,
                strides: !isString && f.count > 5 ? ints(f[5]) : nil,
                storageOffset: !isString && f.count > 6 ? Int(f[6]) : nil))
        }
        return rows
    }

    static func hexBytes(_ text: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// Copies a fixture folder into a fresh temporary folder (for corruption tests).
    static func temporaryCopy(of folder: String) throws -> URL {
        let destination = try TestPaths.makeTemporaryDirectory("mirror-ckpt").appendingPathComponent(folder)
        try FileManager.default.copyItem(at: root.appendingPathComponent(folder), to: destination)
        return destination
    }
}

/// Asserts two float arrays are identical bit for bit (NaN payloads and signed zeros included).
func XCTAssertBitwiseEqual(_ actual: [Float], _ expected: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    let a = actual.map(\.bitPattern), e = expected.map(\.bitPattern)
    if a != e, let i = a.indices.first(where: { $0 < e.count && a[$0] != e[$0] }) {
        XCTFail("\(message): element \(i) is \(actual[i]) (0x\(String(a[i], radix: 16))), expected \(expected[i]) (0x\(String(e[i], radix: 16)))", file: file, line: line)
    }
}

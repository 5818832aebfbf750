import Foundation
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// `SyntheticWeights` against the values NumPy computed (Fixtures/networks/synthetic_samples.tsv,
/// written by Fixtures/scripts/make_network_fixtures.py --parts synthetic): every hash and every
/// float32 bit pattern must be identical, since the TensorFlow references were built from them.
final class SyntheticWeightsTests: XCTestCase {
    private struct Row {
        let name: String, shape: [Int], role: String, fanIn: Int, index: Int
        let bits: UInt32, valueBits: UInt32
    }

    private func rows() throws -> [Row] {
        let url = TestPaths.fixtures.appendingPathComponent("networks/synthetic_samples.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(name: f[0], shape: f[1].split(separator: ",").map { Int($0)! }, role: f[2],
                       fanIn: Int(f[3])!, index: Int(f[4])!, bits: UInt32(f[5], radix: 16)!,
                       valueBits: UInt32(f[6], radix: 16)!)
        }
    }

    private func roleName(_ role: SyntheticWeights.Role?) -> (String, Int)? {
        switch role {
        case .kernel(let fanIn): return ("kernel", fanIn)
        case .bias: return ("bias", 0)
        case .gamma: return ("gamma", 0)
        case .movingMean: return ("moving_mean", 0)
        case .movingVariance: return ("moving_variance", 0)
        case .input: return ("input", 0)
        case nil: return nil
        }
    }

    func testFNV1aReferenceVectors() {
        XCTAssertEqual(SyntheticWeights.nameHash(""), 0x811C_9DC5)
        XCTAssertEqual(SyntheticWeights.nameHash("a"), 0xE40C_292C)
        XCTAssertEqual(SyntheticWeights.nameHash("foobar"), 0xBF9C_F968)
    }

    func testEveryPythonSampleBitForBit() throws {
        let rows = try rows()
        XCTAssertGreaterThan(rows.count, 300)
        var names = Set<String>()
        for row in rows {
            names.insert(row.name)
            let role = SyntheticWeights.role(name: row.name, shape: row.shape)
            let described = roleName(role)
            XCTAssertEqual(described?.0, row.role, row.name)
            XCTAssertEqual(described?.1, row.fanIn, row.name)
            XCTAssertEqual(SyntheticWeights.bits(name: row.name, index: row.index), row.bits,
                           "\(row.name)[\(row.index)]")
            let value = SyntheticWeights.value(name: row.name, index: row.index, shape: row.shape)
            XCTAssertEqual(value.bitPattern, row.valueBits,
                           "\(row.name)[\(row.index)] = \(value), want \(Float(bitPattern: row.valueBits))")
        }
        XCTAssertTrue(names.contains("grüße/bias"), "the fixture covers a non-ASCII name")
        XCTAssertTrue(names.contains("input"))
    }

    func testWholeTensorsAgreeWithTheSamples() throws {
        var byName: [String: [Row]] = [:]
        for row in try rows() { byName[row.name, default: []].append(row) }
        for (name, rows) in byName where rows[0].shape.reduce(1, *) <= 3_000_000 {
            let shape = rows[0].shape
            let tensor = name == "input"
                ? SyntheticWeights.input(height: shape[1], width: shape[2])
                : SyntheticWeights.tensor(name: name, shape: shape)
            XCTAssertEqual(tensor.shape, shape, name)
            for row in rows {
                XCTAssertEqual(tensor.data[row.index].bitPattern, row.valueBits, "\(name)[\(row.index)]")
            }
        }
    }

    func testRolesFromNames() {
        typealias R = SyntheticWeights.Role
        let cases: [(String, [Int], R?)] = [
            ("conv1/kernel", [7, 7, 3, 64], .kernel(fanIn: 147)),
            ("fc1000/kernel", [2048, 1000], .kernel(fanIn: 2048)),
            ("blocks/depthwise_kernel", [5, 5, 144, 1], .kernel(fanIn: 25)),
            ("_blocks.3._depthwise_conv.weight", [144, 1, 5, 5], .kernel(fanIn: 25)),
            ("_conv_head.weight", [1280, 320, 1, 1], .kernel(fanIn: 320)),
            ("_fc.weight", [1000, 1280], .kernel(fanIn: 1280)),
            ("_bn1.weight", [1280], .gamma), ("_bn1.bias", [1280], .bias),
            ("_bn1.running_mean", [1280], .movingMean), ("_bn1.running_var", [1280], .movingVariance),
            ("bn2a_branch1/gamma", [256], .gamma), ("bn2a_branch1/beta", [256], .bias),
            ("bn2a_branch1/moving_mean", [256], .movingMean),
            ("bn2a_branch1/moving_variance", [256], .movingVariance),
            ("conv1_7x7_s2/bias", [64], .bias), ("input", [1, 4, 4, 3], .input),
            ("_bn1.num_batches_tracked", [], nil), ("global_step", [], nil),
        ]
        for (name, shape, role) in cases {
            XCTAssertEqual(SyntheticWeights.role(name: name, shape: shape), role, name)
        }
    }

    func testValueRangesPerRole() {
        let count = 20_000
        let scale = SyntheticWeights.kernelScale(fanIn: 4608)
        var sum = 0.0
        for i in 0..<count {
            let k = SyntheticWeights.value(name: "res5c_branch2b/kernel", index: i, role: .kernel(fanIn: 4608))
            XCTAssertTrue(k >= -scale && k < scale)
            let g = SyntheticWeights.value(name: "g/gamma", index: i, role: .gamma)
            XCTAssertTrue(g >= 0.5 && g < 1)
            let v = SyntheticWeights.value(name: "v/moving_variance", index: i, role: .movingVariance)
            XCTAssertTrue(v >= 0.5 && v <= 1.5)
            let b = SyntheticWeights.value(name: "b/bias", index: i, role: .bias)
            XCTAssertTrue(b >= -0.1 && b < 0.1)
            let x = SyntheticWeights.value(name: "input", index: i, role: .input)
            XCTAssertTrue(x >= -128 && x < 128)
            XCTAssertEqual((x * 65536).rounded(), x * 65536, "input values are multiples of 2^-16")
            sum += Double(x)
        }
        XCTAssertEqual(sum / Double(count), 0, accuracy: 2, "input mean near 0 (sd 74/sqrt(n) ≈ 0.5)")
        XCTAssertEqual(scale, Float((3.0 / 4608.0).squareRoot()))
    }

    func testExtremeHashesMapToTheEndsOfTheRanges() {
        XCTAssertEqual(SyntheticWeights.value(bits: 0, role: .input), -128)
        XCTAssertEqual(SyntheticWeights.value(bits: .max, role: .input), 128 - 0x1p-16)
        XCTAssertEqual(SyntheticWeights.value(bits: 0, role: .kernel(fanIn: 3)), -1)
        XCTAssertEqual(SyntheticWeights.value(bits: 0, role: .gamma), 0.5)
        // 0.5 + (1 - 2^-24) is a tie between 1.5 - 2^-23 and 1.5; round-to-even gives 1.5.
        XCTAssertEqual(SyntheticWeights.value(bits: .max, role: .movingVariance), 1.5)
        XCTAssertEqual(SyntheticWeights.value(bits: 0xFF, role: .bias), -Float(0.1), "the low 8 bits are dropped")
    }

    func testSamplePositionsMatchTheNetworkFixtures() throws {
        // (file, element count of the sampled activation)
        let cases = [("resnet50/224/pool1.samples.npy", 56 * 56 * 64),
                     ("googlenet/896/inception_5b_output.samples.npy", 28 * 28 * 1024)]
        for (file, count) in cases {
            let path = TestPaths.fixtures.appendingPathComponent("networks/\(file)").path
            let samples = try NpyFile.read(path)
            XCTAssertEqual(samples.shape.count, 2, file)
            let pairs = samples.doubles()      // rows of (flat index, value)
            let stored = stride(from: 0, to: pairs.count, by: 2).map { Int(pairs[$0]) }
            XCTAssertEqual(SyntheticWeights.samplePositions(count: count, samples: samples.shape[0]), stored, file)
        }
    }

    func testSamplePositionsAreInRangeAndDeterministic() {
        let a = SyntheticWeights.samplePositions(count: 7 * 7 * 1024, samples: 4096)
        XCTAssertEqual(a, SyntheticWeights.samplePositions(count: 7 * 7 * 1024, samples: 4096))
        XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 < 7 * 7 * 1024 })
        XCTAssertGreaterThan(Set(a).count, 3900)
    }
}

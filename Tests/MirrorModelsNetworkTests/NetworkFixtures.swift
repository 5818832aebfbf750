import Foundation
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// One activation record of `Fixtures/networks/<net>/manifest.json` (format in that folder's README §2).
struct ReferenceRecord {
    let tensor: String
    let inputSize: Int
    /// NHWC `[1, H, W, C]`.
    let shape: [Int]
    let samplesPath: String
    let channelSumsPath: String
    let fullPath: String?
    let rms: Double
    /// `|mirror − reference| ≤ toleranceAbs` per element: the manifest's bound capped at the issue's
    /// 1e-4 × rms for every network (Lite0's manifest allows 5e-4 because PyTorch's own float32 run
    /// deviates 8.9e-5 × rms from the float64 reference; mirror measures ≤ 4.5e-5), 0 for the input.
    let toleranceAbs: Double
}

/// Reading the committed network references.
enum NetworkFixtures {
    static let directory = TestPaths.fixtures.appendingPathComponent("networks")

    /// `MIRROR_FULL_CHECKS=1` (set by `make check-full`) enables the 896 checks.
    static var fullChecks: Bool { ProcessInfo.processInfo.environment["MIRROR_FULL_CHECKS"] == "1" }

    static func manifest(_ net: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(net)/manifest.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func records(_ net: String, inputSize: Int) throws -> [ReferenceRecord] {
        let all = try XCTUnwrap(manifest(net)["records"] as? [[String: Any]])
        return try all.filter { ($0["input_size"] as? Int) == inputSize }.map { record in
            ReferenceRecord(tensor: try XCTUnwrap(record["tensor"] as? String), inputSize: inputSize,
                            shape: try XCTUnwrap(record["shape"] as? [Int]),
                            samplesPath: try XCTUnwrap(record["samples"] as? String),
                            channelSumsPath: try XCTUnwrap(record["channel_sums"] as? String),
                            fullPath: record["full"] as? String,
                            rms: try XCTUnwrap((record["rms"] as? NSNumber)?.doubleValue),
                            toleranceAbs: min(try XCTUnwrap((record["tolerance_abs"] as? NSNumber)?.doubleValue),
                                              1e-4 * (try XCTUnwrap((record["rms"] as? NSNumber)?.doubleValue))))
        }
    }

    static func array(_ relativePath: String) throws -> NpyArray {
        try NpyFile.read(directory.appendingPathComponent(relativePath).path)
    }

    /// `(flat NHWC index, reference value)` rows of a `.samples.npy` file.
    static func samples(_ record: ReferenceRecord) throws -> [(index: Int, value: Double)] {
        let array = try array(record.samplesPath)
        XCTAssertEqual(array.shape.count, 2)
        let values = array.doubles()
        return stride(from: 0, to: values.count, by: 2).map { (Int(values[$0]), values[$0 + 1]) }
    }
}

/// How far mirror is from a reference record, in units of the record's rms.
struct ParityError: CustomStringConvertible {
    var samples = 0.0
    var channelMeans = 0.0
    var full: Double?

    var worst: Double { max(samples, channelMeans, full ?? 0) }
    var description: String {
        String(format: "samples %.2e, channel means %.2e", samples, channelMeans)
            + (full.map { String(format: ", full %.2e", $0) } ?? "") + " ×rms"
    }
}

/// How a fixture record maps onto mirror's taps.
struct RecordMapping {
    /// mirror's tap holding the same values.
    var tap: String
    /// Turns a reference value at a flat NHWC index into the value mirror's tap should hold there
    /// (identity for most records), with the factor by which it scales errors.
    var transform: ((_ index: Int, _ value: Double) -> (value: Double, errorScale: Double))?
    /// Whether channel sums are comparable (false when `transform` is not affine per channel).
    var comparesChannelSums = true
}

/// Compares `actual` with `record`'s samples, channel sums and (when stored) the full tensor,
/// asserting the record's tolerance; returns the measured errors over rms.
@discardableResult
func assertParity(_ actual: Tensor, _ record: ReferenceRecord, mapping: RecordMapping, context: String,
                  file: StaticString = #filePath, line: UInt = #line) throws -> ParityError {
    let label = "\(context) \(record.tensor)@\(record.inputSize)"
    XCTAssertEqual(actual.shape, record.shape, "shape of \(label)", file: file, line: line)
    guard actual.shape == record.shape else { return ParityError(samples: .infinity) }
    var result = ParityError()
    let transform = mapping.transform ?? { _, value in (value, 1) }
    let tolerance = record.toleranceAbs

    var worstSample = 0.0
    for (index, reference) in try NetworkFixtures.samples(record) {
        let (expected, scale) = transform(index, reference)
        let error = abs(Double(actual.data[index]) - expected)
        XCTAssertLessThanOrEqual(error, tolerance * scale, "\(label)[\(index)]: \(actual.data[index]) vs \(expected)",
                                 file: file, line: line)
        worstSample = max(worstSample, error / scale)
    }
    result.samples = worstSample / record.rms

    if mapping.comparesChannelSums {
        let reference = try NetworkFixtures.array(record.channelSumsPath).doubles()
        let channels = record.shape[3], cells = Double(actual.count / channels)
        var sums = [Double](repeating: 0, count: channels)
        for (i, value) in actual.data.enumerated() { sums[i % channels] += Double(value) }
        var worst = 0.0
        for c in 0..<channels { worst = max(worst, abs(sums[c] - reference[c]) / cells) }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(label): channel means", file: file, line: line)
        result.channelMeans = worst / record.rms
    }

    if let fullPath = record.fullPath {
        let reference = try NetworkFixtures.array(fullPath).floats()
        XCTAssertEqual(reference.count, actual.count)
        var worst = 0.0
        for (index, (a, r)) in zip(actual.data, reference).enumerated() {
            let (expected, scale) = transform(index, Double(r))
            worst = max(worst, abs(Double(a) - expected) / scale)
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(label): full tensor", file: file, line: line)
        result.full = worst / record.rms
    }
    return result
}

/// Runs `body` on the named taps of one pass, keeping only those asked for (memory stays small).
func collectTaps(_ names: Set<String>, _ body: (@escaping ActivationObserver) -> Void) -> [String: Tensor] {
    final class Box { var taps: [String: Tensor] = [:] }
    let box = Box()
    body { name, tensor in if names.contains(name) { box.taps[name] = tensor } }
    return box.taps
}

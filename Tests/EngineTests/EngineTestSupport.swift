import Engines
import MirrorCore
import TestSupport
import XCTest


/// A tensor of uniform values in `range`.
func randomTensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &generator) })
}

func randomVector(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = -1...1) -> [Float] {
    randomTensor([count], seed: seed, in: range).data
}

/// `max|a − b| / max|reference|` (0 when both are all zero; ∞ on a NaN mismatch).
func relativeError(_ actual: [Float], _ reference: [Float]) -> Float {
    precondition(actual.count == reference.count)
    var difference: Float = 0, scale: Float = 0
    for (a, r) in zip(actual, reference) {
        if a.isNaN != r.isNaN { return .infinity }
        if a.isNaN { continue }
        difference = max(difference, abs(a - r))
        scale = max(scale, abs(r))
    }
    return scale == 0 ? difference : difference / scale
}

/// Every engine under test: the three kinds, SIMD and BLAS with two threads so the threaded
/// paths run (the machine has two cores).
func allEngines(threads: Int = 2) -> [any ComputeBackend] {
    BackendKind.allCases.map { makeBackend(kind: $0, threads: $0 == .naive ? 1 : threads) }
}

/// Asserts shape equality and `relativeError ≤ bound` (bound 0 means bit-identical, NaN-aware).
func assertMatches(_ actual: Tensor, _ reference: Tensor, bound: Float, _ context: @autoclosure () -> String,
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, reference.shape, "shape: \(context())", file: file, line: line)
    guard actual.shape == reference.shape else { return }
    if bound == 0 {
        let identical = zip(actual.data, reference.data).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
        XCTAssertTrue(identical, "not bit-identical (relative error \(relativeError(actual.data, reference.data))): \(context())",
                      file: file, line: line)
    } else {
        let error = relativeError(actual.data, reference.data)
        XCTAssertLessThanOrEqual(error, bound, "relative error \(error) > \(bound): \(context())", file: file, line: line)
    }
}

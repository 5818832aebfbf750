import Engines
import MirrorCore
import NaiveBackend
import TestSupport
import XCTest

/// Pool and activation gradients on every engine: against PyTorch on ties (fixtures), against
/// the reference on random cases, and on special values.
///
/// Bounds: exact against the PyTorch fixtures (integer inputs and gradients, so every sum is an
/// exact float32 integer in any order); activation gradients bit-identical (a selection per
/// element); pool gradients ≤ 1e-6 relative to the reference (the engines add overlapping
/// windows' shares in Float, the reference in Double; at most 49 terms).
final class BackwardPoolingConformanceTests: XCTestCase {
    static let poolBound: Float = 1e-6

    /// `Fixtures/backward/` (written by `Fixtures/scripts/make_pool_backward_fixtures.py`):
    /// PyTorch's `max_pool2d` gradient with ties, which goes to the first maximum in scan order.
    func testMaxPoolGradientMatchesPyTorchOnTies() throws {
        let directory = TestPaths.fixtures.appendingPathComponent("backward")
        let manifest = try String(contentsOf: directory.appendingPathComponent("manifest.tsv"), encoding: .utf8)
        let rows = manifest.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.count, 6, "fixture cases")
        for row in rows {
            let name = row[0], window = Int(row[1])!, stride = Int(row[2])!
            let pads = row[4...7].map { Int($0)! }
            let padding: Padding
            switch row[3] {
            case "same": padding = .same
            case "valid": padding = .valid
            default: padding = .explicit(top: pads[0], bottom: pads[1], left: pads[2], right: pads[3])
            }
            func load(_ key: String) throws -> Tensor {
                try NpyFile.read(directory.appendingPathComponent("maxpool_\(name)_\(key).npy").path).tensor()
            }
            let input = try load("input"), gradOutput = try load("grad_output")
            let output = try load("output"), expected = try load("grad_input")
            // The script's SAME pads are TF's, as Padding resolves them.
            let resolved = padding.resolve(inputHeight: input.shape[1], inputWidth: input.shape[2], kernelHeight: window,
                                           kernelWidth: window, stride: stride)
            XCTAssertEqual([resolved.height.padBefore, resolved.height.padAfter, resolved.width.padBefore,
                            resolved.width.padAfter], pads, name)
            for engine in allEngines() {
                assertMatches(engine.maxPool(input, window: window, stride: stride, padding: padding), output, bound: 0,
                              "\(engine.kind) forward \(name)")
                assertMatches(engine.maxPoolBackward(gradOutput, input: input, window: window, stride: stride,
                                                     padding: padding), expected, bound: 0, "\(engine.kind) \(name)")
            }
        }
    }

    func testPoolGradientsMatchNaive() {
        let engines = allEngines().dropFirst()
        for (index, c) in PoolingConformanceTests.cases.enumerated() {
            // Half the inputs rounded to a coarse grid, so max-pool windows hold ties.
            var input = randomTensor(c.input, seed: UInt64(300 + index), in: -2...2)
            for i in stride(from: 0, to: input.count, by: 2) { input.data[i] = (input.data[i] * 2).rounded() }
            let geometry = c.padding.resolve(inputHeight: c.input[1], inputWidth: c.input[2], kernelHeight: c.window,
                                             kernelWidth: c.window, stride: c.stride)
            let gradOutput = randomTensor([c.input[0], geometry.height.output, geometry.width.output, c.input[3]],
                                          seed: UInt64(310 + index))
            let maxReference = NaiveKernels.maxPoolBackward(gradOutput, input: input, window: c.window, stride: c.stride,
                                                            padding: c.padding)
            let averageReference = NaiveKernels.avgPoolBackward(gradOutput, inputShape: c.input, window: c.window,
                                                                stride: c.stride, padding: c.padding)
            for engine in engines {
                assertMatches(engine.maxPoolBackward(gradOutput, input: input, window: c.window, stride: c.stride,
                                                     padding: c.padding), maxReference, bound: Self.poolBound,
                              "\(engine.kind) max \(c)")
                assertMatches(engine.avgPoolBackward(gradOutput, inputShape: c.input, window: c.window, stride: c.stride,
                                                     padding: c.padding), averageReference, bound: Self.poolBound,
                              "\(engine.kind) avg \(c)")
            }
        }
    }

    /// A window whose cells are all −∞ or NaN sends its gradient to its first in-bounds cell
    /// (nothing beats −∞; PyTorch does the same for −∞); a NaN never wins over a number.
    func testMaxPoolGradientWithInfinitiesAndNaN() {
        let input = Tensor(shape: [1, 2, 4, 1], data: [-.infinity, -.infinity, .nan, 1, -.infinity, -.infinity, .nan, .nan])
        let gradOutput = Tensor(shape: [1, 1, 2, 1], data: [5, 7])
        let expected: [Float] = [5, 0, 0, 7, 0, 0, 0, 0]
        for engine in allEngines() {
            XCTAssertEqual(engine.maxPoolBackward(gradOutput, input: input, window: 2, stride: 2, padding: .valid).data,
                           expected, "\(engine.kind)")
        }
    }

    func testActivationGradientsAreBitIdentical() {
        let specials: [Float] = [0, -0.0, 1e-30, -1e-30, 3, 6, 6.000001, 5.999999, 7, -7, .infinity, -.infinity, .nan]
        // Three copies, so the special values go through the 16-wide vector path, not only the tail.
        let output = Tensor(shape: [3 * specials.count], data: specials + specials + specials)
        let gradient = randomTensor([3 * specials.count], seed: 7)
        // Large enough to split over threads, with a scalar tail; outputs straddle 0 and 6.
        let large = randomTensor([1, 33, 41, 37], seed: 8, in: -3...9), largeGradient = randomTensor([1, 33, 41, 37], seed: 9)
        for engine in allEngines() {
            for activation in Activation.allCases {
                assertMatches(engine.activationBackward(gradient, output: output, activation),
                              NaiveKernels.activationBackward(gradient, output: output, activation), bound: 0,
                              "\(engine.kind) \(activation) specials")
                assertMatches(engine.activationBackward(largeGradient, output: large, activation),
                              NaiveKernels.activationBackward(largeGradient, output: large, activation), bound: 0,
                              "\(engine.kind) \(activation)")
            }
        }
    }
}

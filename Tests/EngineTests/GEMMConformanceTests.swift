import Engines
import MirrorCore
import NaiveBackend
import XCTest

/// Every engine's `gemm` against an independent triple loop (Double sums).
///
/// Error bound: relative error ≤ 1e-5 of the output scale, as for convolutions (Float
/// accumulation in blocked order vs a Double reference; K ≤ 600 here). The reference loop is
/// written in the test, not taken from NaiveBackend, so the naive engine is checked too.
final class GEMMConformanceTests: XCTestCase {
    static let bound: Float = 1e-5

    /// `alpha·op(A)·op(B) + beta·C` by definition, in Double.
    private func reference(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: [Float], b: [Float], beta: Float, c: [Float]) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p * m + i] : a[i * k + p]
                    let y = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(x) * Double(y)
                }
                out[i * n + j] = Float(Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * n + j])))
            }
        }
        return out
    }

    private func run(_ engine: any ComputeBackend, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: [Float], b: [Float], beta: Float, c: [Float]) -> [Float] {
        var out = c
        out.withUnsafeMutableBufferPointer { pc in
            engine.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n,
                        beta: beta, c: pc.baseAddress!, ldc: n)
        }
        return out
    }

    func testHandComputedTwoByTwo() {
        for engine in allEngines() {
            let c = run(engine, transposeA: false, transposeB: false, m: 2, n: 2, k: 2, alpha: 1,
                        a: [1, 2, 3, 4], b: [5, 6, 7, 8], beta: 0, c: [0, 0, 0, 0])
            XCTAssertEqual(c, [19, 22, 43, 50], "\(engine.kind)")
        }
    }

    func testShapesTransposesAlphaBeta() {
        let shapes = [(1, 1, 1), (7, 13, 33), (6, 32, 256), (65, 70, 300), (13, 100, 5), (300, 3, 17)]
        let scalars: [(Float, Float)] = [(1, 0), (0.5, 0), (1, 1), (-2, 0.25)]
        let engines = allEngines()
        var seed: UInt64 = 100
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for (alpha, beta) in scalars {
                        seed += 3
                        let a = randomVector(m * k, seed: seed), b = randomVector(k * n, seed: seed + 1)
                        let c = randomVector(m * n, seed: seed + 2)
                        let expected = reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                 alpha: alpha, a: a, b: b, beta: beta, c: c)
                        for engine in engines {
                            let got = run(engine, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                          alpha: alpha, a: a, b: b, beta: beta, c: c)
                            let error = relativeError(got, expected)
                            XCTAssertLessThanOrEqual(error, Self.bound, "\(engine.kind) m\(m) n\(n) k\(k) tA \(transposeA) "
                                                     + "tB \(transposeB) alpha \(alpha) beta \(beta)")
                        }
                    }
                }
            }
        }
    }

    /// BLAS semantics: with beta = 0, C is overwritten without being read (NaN does not leak).
    func testBetaZeroIgnoresNaNInC() {
        let a = randomVector(5 * 9, seed: 1), b = randomVector(9 * 40, seed: 2)
        for engine in allEngines() {
            let c = run(engine, transposeA: false, transposeB: false, m: 5, n: 40, k: 9, alpha: 1, a: a, b: b,
                        beta: 0, c: [Float](repeating: .nan, count: 200))
            XCTAssertFalse(c.contains { $0.isNaN }, "\(engine.kind)")
        }
    }

    /// k = 0: the product is empty, so C = beta·C.
    func testEmptyInnerDimensionScalesC() {
        let c: [Float] = [1, 2, 3, 4, 5, 6]
        for engine in allEngines() {
            XCTAssertEqual(run(engine, transposeA: false, transposeB: false, m: 2, n: 3, k: 0, alpha: 1, a: [], b: [],
                               beta: 2, c: c), c.map { $0 * 2 }, "\(engine.kind)")
        }
    }

    func testMatmulAndDenseHelpers() {
        let a = randomTensor([4, 7], seed: 11), w = randomTensor([7, 5], seed: 12), bias = randomVector(5, seed: 13)
        let expected = reference(transposeA: false, transposeB: false, m: 4, n: 5, k: 7, alpha: 1, a: a.data,
                                 b: w.data, beta: 0, c: [Float](repeating: 0, count: 20))
        for engine in allEngines() {
            XCTAssertLessThanOrEqual(relativeError(engine.matmul(a, w).data, expected), Self.bound, "\(engine.kind)")
            let transposed = engine.matmul(w, a, transposeA: true, transposeB: true)  // (a·w)ᵀ
            XCTAssertEqual(transposed.shape, [5, 4])
            let dense = engine.dense(a, weights: w, bias: bias, activation: .relu)
            let denseExpected = expected.enumerated().map { Activation.relu.apply($0.element + bias[$0.offset % 5]) }
            XCTAssertLessThanOrEqual(relativeError(dense.data, denseExpected), Self.bound, "\(engine.kind)")
        }
    }
}

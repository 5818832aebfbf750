import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// End-to-end parity with the NumPy/sklearn reference (Fixtures/scripts/make_retrieval_fixtures.py):
/// every case's match_pairs has the same pairs in the same order and scores within 1e-6.
///
/// Euclidean cases use unnormalised features with squared norms around 100, where float32
/// `|q|² − 2q·d + |d|²` cancels to an absolute rounding of ~2e-5 (any two BLAS builds differ by
/// that much, as TF's GPU did from its CPU); their bound is 1e-6 relative to |q|², i.e. 1e-4.
final class FixtureParityTests: XCTestCase {
    private func tolerance(_ c: RetrievalCase) -> Double { c.euclidean ? 1e-4 : 1e-6 }

    func testEveryCaseMatchesTheNumPyReference() throws {
        let cases = try RetrievalCase.all()
        XCTAssertEqual(cases.count, 20)
        for c in cases {
            let (results, regions) = try c.run()
            assertSameMatchPairs(MatchPairs.format(results, regions: regions), try c.expectedText(), tolerance: tolerance(c), c.name)
        }
    }

    func testTinyMemoryBudgetGivesTheSameFiles() throws {
        // One image per block: many tiles, the symmetric path across block pairs.
        for c in try RetrievalCase.all() where ["a_plain", "a_euclidean", "a_qe2", "b_seed16"].contains(c.name) {
            let (results, regions) = try c.run(memoryBudget: 1)
            assertSameMatchPairs(MatchPairs.format(results, regions: regions), try c.expectedText(), tolerance: tolerance(c),
                                 c.name + " (tiny budget)")
        }
    }

    func testWhitenedVectorsMatchSklearnUpToSign() throws {
        let root = RetrievalCase.directory.path
        let checks: [(list: String, config: PCAConfig, reference: String)] = [
            ("b.txt", PCAConfig(outDim: 16, solver: .exact), "b_exact16"),
            ("b.txt", PCAConfig(outDim: 16, solver: .seed), "b_seed16"),
            ("b.txt", PCAConfig(outDim: 5, solver: .seed), "b_seed5"),
            ("c.txt", PCAConfig(outDim: 8, solver: .seed), "c_seed8"),
        ]
        for check in checks {
            let features = try FeatureSet.load(listFile: root + "/" + check.list, root: root)
            let index = try RetrievalIndex.build(features: features, pca: check.config)
            let reference = try NpyFile.read(root + "/whitened/\(check.reference).npy")
            let k = reference.shape[1]
            XCTAssertEqual(index.dims, k, check.reference)
            let expected = reference.floats(), vectors = index.vectors.float32Values()
            for column in 0..<k {
                // Compare each component up to a global sign.
                var dot = 0.0
                for row in 0..<reference.shape[0] { dot += Double(vectors[row * k + column]) * Double(expected[row * k + column]) }
                let sign: Float = dot < 0 ? -1 : 1
                var worst: Float = 0
                for row in 0..<reference.shape[0] {
                    worst = max(worst, abs(sign * vectors[row * k + column] - expected[row * k + column]))
                }
                XCTAssertLessThan(worst, 1e-5, "\(check.reference) component \(column)")
            }
        }
    }

    func testExactAndSeedThresholdPickTheSameDimension() throws {
        let root = RetrievalCase.directory.path
        for solver in PCAConfig.Solver.allCases {
            let features = try FeatureSet.load(listFile: root + "/b.txt", root: root)
            let index = try RetrievalIndex.build(features: features, pca: PCAConfig(threshold: 0.8, solver: solver))
            XCTAssertEqual(index.dims, 36, "\(solver)")  // printed by the fixture script
        }
    }
}

import Foundation
import MirrorCore
@testable import MirrorRetrieval
import TestSupport
import XCTest

/// The seed's random numbers, PCA gating, adaptive dimension, LU reconstruction and PCA files.
final class PCATests: XCTestCase {
    func testMT19937MatchesNumPyRandomState0() {
        var random = MT19937(seed: 0)
        XCTAssertEqual(random.normals(count: 5),
                       [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675])
        var uniform = MT19937(seed: 0)
        XCTAssertEqual((0..<3).map { _ in uniform.nextDouble() }, [0.5488135039273248, 0.7151893663724195, 0.6027633760716439])
    }

    func testSeedGatingRule() {
        XCTAssertFalse(PCAConfig.none.isEnabled(databaseImages: 10_000))
        XCTAssertTrue(PCAConfig(threshold: 0.9).isEnabled(databaseImages: 1))          // int > None
        XCTAssertTrue(PCAConfig(file: "p.npy").isEnabled(databaseImages: 1))
        XCTAssertTrue(PCAConfig(outDim: 256).isEnabled(databaseImages: 257))
        XCTAssertFalse(PCAConfig(outDim: 256).isEnabled(databaseImages: 256))         // images, not rows
        XCTAssertFalse(PCAConfig(outDim: 256).isEnabled(databaseImages: 11))          // the README example
        XCTAssertFalse(PCAConfig(outDim: 256, file: "p.npy").isEnabled(databaseImages: 11))
    }

    func testAdaptiveDimensionIsSearchsortedLeftPlusOne() {
        // Ratios 0.5, 0.25, 0.25 (exact in binary): cumulative 0.5, 0.75, 1.
        XCTAssertEqual(PCAWhitening.adaptiveComponentCount(variance: [2, 1, 1], threshold: 0.5), 1)
        XCTAssertEqual(PCAWhitening.adaptiveComponentCount(variance: [2, 1, 1], threshold: 0.75), 2)  // tie → left
        XCTAssertEqual(PCAWhitening.adaptiveComponentCount(variance: [2, 1, 1], threshold: 0.7500001), 3)
        XCTAssertEqual(PCAWhitening.adaptiveComponentCount(variance: [2, 1, 1], threshold: 1), 3)
    }

    func testLUPermutedLMatchesSciPy() throws {
        // scipy.linalg.lu(A, permute_l=True)[0] for a 4×3 and a 3×4 matrix.
        let a: [[Double]] = [[1, 2, 3], [4, 5, 6], [7, 8, 10], [2, 1, 0]]
        let tall = try DenseLinearAlgebra.luPermutedL(columnMajor(a))
        assertMatrix(tall, [[0.14285714285714285, -0.6666666666666669, 0.5000000000000007],
                            [0.5714285714285714, -0.3333333333333336, 1.0], [1.0, 0.0, 0.0], [0.2857142857142857, 1.0, 0.0]])
        let wide = try DenseLinearAlgebra.luPermutedL(columnMajor((0..<3).map { j in a.map { $0[j] } }))
        assertMatrix(wide, [[0.3333333333333333, 1.0, 0.0], [0.6666666666666666, 0.5, 1.0], [1.0, 0.0, 0.0]])
    }

    func testTooManyComponentsIsATypedError() {
        let values = [Double](repeating: 1, count: 6 * 4)
        XCTAssertThrowsError(try PCAWhitening.fit(values, dims: 4, databaseImages: 6, config: PCAConfig(outDim: 5))) {
            XCTAssertEqual($0 as? RetrievalError, .pcaTooManyComponents(requested: 5, available: 4))
        }
    }

    func testSeedPCAFilesFromNumPyAndPython2() throws {
        let directory = RetrievalCase.directory.appendingPathComponent("pca")
        let modern = try SeedPCAFile.read(directory.appendingPathComponent("b_exact16.npy").path)
        let legacy = try SeedPCAFile.read(directory.appendingPathComponent("b_exact16_py2_f32.npy").path)
        XCTAssertEqual(modern.inputDims, 64)
        XCTAssertEqual(modern.outputDims, 16)
        XCTAssertEqual(legacy.inputDims, 64)
        XCTAssertEqual(legacy.components.count, 16 * 64)
        for (x, y) in zip(modern.components + modern.mean + modern.explainedVariance,
                          legacy.components + legacy.mean + legacy.explainedVariance) {
            XCTAssertEqual(Float(x), Float(y))  // the Python 2 file holds the float32 rounding
        }
    }

    func testPCAFileRejectsOtherFilesWithoutRunningAnything() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pca-file")
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("plain.npy").path
        try NpyFile.write(NpyArray(doubles: [1, 2], shape: [2]), to: plain)
        XCTAssertThrowsError(try SeedPCAFile.read(plain)) { error in
            guard case .invalidPCAFile(let path, _)? = error as? RetrievalError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, plain)
        }
        // An object .npy whose pickle asks for os.system('ls').
        var header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
        header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        let pickle: [UInt8] = [0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8)
            + [0x85, 0x52, 0x2E]
        let evil = directory.appendingPathComponent("evil.npy").path
        try AtomicFile.write([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + pickle, to: evil)
        XCTAssertThrowsError(try SeedPCAFile.read(evil)) {
            XCTAssertEqual($0 as? RetrievalError, .invalidPCAFile(path: evil, reason: "refusing to call os.system"))
        }
    }

    func testPCAFileDimensionMustMatchTheFeatures() throws {
        let file = RetrievalCase.directory.appendingPathComponent("pca/b_exact16.npy").path
        let values = [Double](repeating: 0.5, count: 3 * 48)
        XCTAssertThrowsError(try PCAWhitening.fit(values, dims: 48, databaseImages: 3, config: PCAConfig(file: file))) {
            guard case .invalidPCAFile(let path, _)? = $0 as? RetrievalError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, file)
        }
    }

    private func columnMajor(_ rows: [[Double]]) -> ColumnMajorMatrix {
        var m = ColumnMajorMatrix(zeros: rows.count, rows[0].count)
        for i in rows.indices { for j in rows[0].indices { m[i, j] = rows[i][j] } }
        return m
    }

    private func assertMatrix(_ m: ColumnMajorMatrix, _ expected: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(m.rows, expected.count, file: file, line: line)
        XCTAssertEqual(m.cols, expected[0].count, file: file, line: line)
        for i in expected.indices { for j in expected[0].indices {
            XCTAssertEqual(m[i, j], expected[i][j], accuracy: 1e-14, "(\(i), \(j))", file: file, line: line)
        } }
    }
}

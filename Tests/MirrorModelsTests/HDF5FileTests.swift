import Foundation
import MirrorModels
import TestSupport
import XCTest

/// The HDF5 wrapper on its own: dataset and attribute round trips in a temporary folder, type
/// conversion and rejection on files written by h5py (Fixtures/hdf5/odd_types.h5), and HDF5's
/// error stack surfacing in thrown errors.
final class HDF5FileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory("mirror-hdf5")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func temporaryFile(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private var oddTypes: String { TestPaths.fixtures.appendingPathComponent("hdf5/odd_types.h5").path }

    func testDatasetsOfEveryRankRoundTripWithNestedNames() throws {
        let cases: [(String, [Int])] = [
            ("scalar", []), ("a/vector", [5]), ("a/b/matrix", [3, 4]), ("conv1/kernel", [7, 7, 3, 4]),
            ("res2a_branch2a/kernel", [1, 1, 4, 2]), ("deep/x/y/z/five", [2, 1, 2, 1, 3]), ("a/empty", [0, 3]),
        ]
        let path = temporaryFile("ranks.h5")
        let file = try HDF5File(creating: path)
        for (index, (name, shape)) in cases.enumerated() {
            let values = (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - Float(index) }
            try file.writeFloats(values, shape: shape, at: name)
        }
        try file.close()

        let reopened = try HDF5File(readingFrom: path)
        XCTAssertEqual(try reopened.datasetPaths(), cases.map(\.0).sorted())
        for (index, (name, shape)) in cases.enumerated() {
            let (readShape, values) = try reopened.readFloats(at: name)
            XCTAssertEqual(readShape, shape, name)
            XCTAssertEqual(values, (0..<shape.reduce(1, *)).map { Float($0) * 0.25 - Float(index) }, name)
        }
    }

    func testSpecialFloatValuesSurviveBitForBit() throws {
        let values: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, -.leastNormalMagnitude, Float(bitPattern: 0x0000_1234)]
        let path = temporaryFile("special.h5")
        let file = try HDF5File(creating: path)
        try file.writeFloats(values, shape: [values.count], at: "special")
        try file.close()
        let back = try HDF5File(readingFrom: path).readFloats(at: "special").values
        XCTAssertEqual(back.map(\.bitPattern), values.map(\.bitPattern))
    }

    func testFilesCarryNoTimestamps() throws {
        // Equal contents give equal bytes even when written at different times, so a
        // re-conversion can be compared byte for byte. HDF5 timestamps have 1 s resolution.
        func write(_ path: String) throws {
            let file = try HDF5File(creating: path)
            try file.setAttribute("architecture", string: "resnet-50")
            try file.writeFloats([1, 2, 3], shape: [3], at: "group/inner/values")
            try file.writeFloats([4], shape: [], at: "scalar")
            try file.close()
        }
        let first = temporaryFile("first.h5"), second = temporaryFile("second.h5")
        try write(first)
        Thread.sleep(forTimeInterval: 1.1)
        try write(second)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first)), try Data(contentsOf: URL(fileURLWithPath: second)))
    }

    func testRootAttributesRoundTripAndReplace() throws {
        let path = temporaryFile("attributes.h5")
        let file = try HDF5File(creating: path)
        try file.setAttribute("architecture", string: "resnet-50")
        try file.setAttribute("source", string: "first")
        try file.setAttribute("source", string: "converted from ÿ-checkpoint, ünïcode ok")
        try file.setAttribute("empty", string: "")
        try file.setAttribute("mean", floats: [124, 117, 104])
        try file.setAttribute("epsilon", floats: [1.001e-5], scalar: true)
        try file.setAttribute("none", floats: [])
        try file.close()

        let reopened = try HDF5File(readingFrom: path)
        XCTAssertEqual(try reopened.stringAttribute("architecture"), "resnet-50")
        XCTAssertEqual(try reopened.stringAttribute("source"), "converted from ÿ-checkpoint, ünïcode ok")
        XCTAssertEqual(try reopened.stringAttribute("empty"), "")
        XCTAssertEqual(try reopened.floatsAttribute("mean"), [124, 117, 104])
        XCTAssertEqual(try reopened.floatsAttribute("epsilon"), [1.001e-5])
        XCTAssertEqual(try reopened.floatsAttribute("none"), [])
        XCTAssertNil(try reopened.stringAttribute("absent"))
        XCTAssertNil(try reopened.floatsAttribute("absent"))
        XCTAssertThrowsError(try reopened.stringAttribute("mean")) { error in
            XCTAssertEqual(error as? HDF5Error, .unsupportedType(path: path, object: "mean", found: "float", expected: "a string"))
        }
        XCTAssertThrowsError(try reopened.floatsAttribute("architecture")) { error in
            XCTAssertEqual(error as? HDF5Error,
                           .unsupportedType(path: path, object: "architecture", found: "string", expected: "numbers"))
        }
    }

    func testH5pyTypesAreConvertedOrRejected() throws {
        let file = try HDF5File(readingFrom: oddTypes)
        XCTAssertEqual(try file.datasetPaths(), ["empty", "half", "ints", "text"])
        let ints = try file.readFloats(at: "ints")
        XCTAssertEqual(ints.shape, [2, 3])
        XCTAssertEqual(ints.values, [-2, -1, 0, 1, 2, 3])
        XCTAssertEqual(try file.readFloats(at: "half").values, [0.5, -1.25, 65504, 0x1p-24])
        let empty = try file.readFloats(at: "empty")
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.values, [])
        XCTAssertThrowsError(try file.readFloats(at: "text")) { error in
            XCTAssertEqual(error as? HDF5Error, .unsupportedType(path: oddTypes, object: "text", found: "string", expected: "numbers"))
        }
        XCTAssertEqual(try file.stringAttribute("fixed"), "padded")
        XCTAssertEqual(try file.stringAttribute("vlen"), "grüße")
        XCTAssertEqual(try file.floatsAttribute("count"), [7])
        XCTAssertThrowsError(try file.floatsAttribute("matrix")) { error in
            guard case .unsupportedShape(let path, let object, _)? = error as? HDF5Error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(path, oddTypes)
            XCTAssertEqual(object, "matrix")
        }
    }

    func testFailuresCarryHDF5sErrorStack() throws {
        let file = try HDF5File(readingFrom: oddTypes)
        XCTAssertThrowsError(try file.readFloats(at: "no/such/dataset")) { error in
            guard case .callFailed(let path, let operation, let stack)? = error as? HDF5Error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(path, oddTypes)
            XCTAssertEqual(operation, "open dataset 'no/such/dataset'")
            XCTAssertTrue(stack.hasPrefix("H5Dopen2():"), stack)
            XCTAssertTrue(String(describing: error).hasPrefix(oddTypes + ": "))
        }
        // The stack was cleared: the next failure reports only its own records.
        XCTAssertThrowsError(try HDF5File(readingFrom: temporaryFile("missing.h5"))) { error in
            guard case .callFailed(_, "open file", let stack)? = error as? HDF5Error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue(stack.hasPrefix("H5Fopen():"), stack)
            XCTAssertFalse(stack.contains("H5Dopen2"), stack)
        }
    }

    func testCreateRefusesDuplicatesAndExistingFilesWhenExclusive() throws {
        let path = temporaryFile("dup.h5")
        let file = try HDF5File(creating: path)
        try file.writeFloats([1], shape: [1], at: "x/y")
        XCTAssertThrowsError(try file.writeFloats([2], shape: [1], at: "x/y"))
        XCTAssertThrowsError(try file.writeFloats([2], shape: [1], at: "x/y/z"), "a dataset is not a group")
        try file.close()
        try file.close()  // closing twice is harmless
        XCTAssertThrowsError(try file.datasetPaths(), "a closed file refuses work")
        XCTAssertThrowsError(try HDF5File(creating: path, exclusive: true))
        XCTAssertEqual(try HDF5File(readingFrom: path).datasetPaths(), ["x/y"])
        XCTAssertEqual(try HDF5File(creating: path).datasetPaths(), [], "plain create truncates")
    }

    func testNothingIsPrintedOnAnyThread() throws {
        // HDF5 keeps its auto-print setting per thread (the Debian build is thread-safe), so a
        // failure on a thread that never used HDF5 must still throw quietly.
        let missing = temporaryFile("elsewhere.h5")
        final class Outcome: @unchecked Sendable { var error: Error? }  // handed over by the semaphore
        let outcome = Outcome()
        let printed = try capturingStandardError {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                do { _ = try HDF5File(readingFrom: missing) } catch { outcome.error = error }
                done.signal()
            }
            thread.start()
            done.wait()
            XCTAssertThrowsError(try HDF5File(readingFrom: missing))
        }
        XCTAssertEqual(printed, "")
        guard case .callFailed(_, "open file", let stack)? = outcome.error as? HDF5Error else {
            return XCTFail("unexpected \(String(describing: outcome.error))")
        }
        XCTAssertTrue(stack.hasPrefix("H5Fopen():"), stack)
    }

    /// Runs `body` with file descriptor 2 redirected to a temporary file and returns what was written.
    private func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let capture = temporaryFile("stderr.txt")
        fflush(stderr)
        let saved = dup(2)
        let target = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(target, 0)
        dup2(target, 2)
        close(target)
        defer {
            fflush(stderr)
            dup2(saved, 2)
            close(saved)
        }
        try body()
        fflush(stderr)
        return try String(contentsOfFile: capture, encoding: .utf8)
    }
}

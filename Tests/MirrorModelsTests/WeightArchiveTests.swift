import Foundation
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// Weight archives: round trips, files written by h5py (Fixtures/scripts/make_hdf5_fixtures.py)
/// and read by h5py, validation against an architecture table, and every failure naming its file.
final class WeightArchiveTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory("mirror-weights")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func temporaryFile(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func fixture(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent("hdf5/\(name)").path }

    /// A small ResNet-flavoured archive with tensors of rank 0 to 4 and slashes in names.
    private func sampleArchive() -> WeightArchive {
        let shapes: [String: [Int]] = [
            "conv1/kernel": [7, 7, 3, 4], "conv1/bias": [4], "bn_conv1/gamma": [4], "bn_conv1/beta": [4],
            "bn_conv1/moving_mean": [4], "bn_conv1/moving_variance": [4], "res2a_branch2a/kernel": [1, 1, 4, 2],
            "fc1000/kernel": [8, 5], "step_scale": [], "nested/deeper/still/weights": [2, 3, 1],
        ]
        var tensors: [String: Tensor] = [:]
        for (salt, name) in shapes.keys.sorted().enumerated() {
            let shape = shapes[name]!
            tensors[name] = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { Float(($0 * 37 + salt * 11) % 101 - 50) / 7 })
        }
        return WeightArchive(architecture: "resnet-50",
                             normalization: InputNormalization(mean: [124, 117, 104], std: [1, 1, 1]),
                             bnEpsilon: 1.001e-5, source: "test: generated values", tensors: tensors)
    }

    func testRoundTripKeepsTensorsAndMetadata() throws {
        let archive = sampleArchive()
        let path = temporaryFile("sample.h5")
        try archive.write(to: path)
        let back = try WeightArchive.read(from: path, architecture: "resnet-50")
        XCTAssertEqual(back, archive)
        XCTAssertEqual(back.origin, path)
        XCTAssertEqual(back.contentSHA256, archive.contentSHA256)
        XCTAssertEqual(back.parameterCount, 7 * 7 * 3 * 4 + 5 * 4 + 8 + 40 + 1 + 6)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["sample.h5"])
    }

    /// The optional `extraction` attribute: written, read back equal, and a malformed one refused
    /// naming the file and the attribute.
    func testValidatedExtractionSettingsRoundTrip() throws {
        var archive = sampleArchive()
        archive.extraction = ValidatedExtraction(imageSize: 448, rmacSteps: [1, 3, 5], dct: "accurate", note: "held-out mAP 0.9")
        let path = temporaryFile("validated.h5")
        try archive.write(to: path)
        let back = try WeightArchive.read(from: path)
        XCTAssertEqual(back.extraction, archive.extraction)
        XCTAssertEqual(back, archive)
        XCTAssertNil(try WeightArchive.read(from: { try sampleArchive().write(to: temporaryFile("plain.h5")); return temporaryFile("plain.h5") }()).extraction)

        for (text, reason) in [("[]", "not a JSON object"), (#"{"img_size": 8, "rmac_step": [1], "dct": "fast"}"#, "img_size"),
                               (#"{"img_size": 224, "rmac_step": [], "dct": "fast"}"#, "rmac_step"),
                               (#"{"img_size": 224, "rmac_step": [1], "dct": "slow"}"#, "dct")] {
            guard case .failure(let failure) = ValidatedExtraction.parse(text) else { XCTFail(text); continue }
            XCTAssertTrue(failure.reason.contains(reason), failure.reason)
        }
        XCTAssertEqual(try? ValidatedExtraction.parse(archive.extraction!.json).get(), archive.extraction)
    }

    func testRewritingReplacesTheFileAtomically() throws {
        let path = temporaryFile("weights.h5")
        var archive = sampleArchive()
        try archive.write(to: path)
        archive.source = "second version"
        archive.tensors["conv1/bias"] = Tensor(shape: [4], data: [1, 2, 3, 4])
        try archive.write(to: path)
        XCTAssertEqual(try WeightArchive.read(from: path), archive)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["weights.h5"])
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let archive = sampleArchive()
        let missingFolder = temporaryFile("no/such/folder/weights.h5")
        XCTAssertThrowsError(try archive.write(to: missingFolder)) { error in
            guard case .cannotWrite(let path, let reason)? = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missingFolder)
            XCTAssertTrue(reason.contains("No such file or directory"), reason)
        }
        // A failure half-way (a name that is both a dataset and a group) removes the partial file
        // and leaves an existing destination untouched.
        let path = temporaryFile("weights.h5")
        try archive.write(to: path)
        var broken = archive
        broken.tensors["conv1/bias/extra"] = Tensor(shape: [1], data: [0])
        XCTAssertThrowsError(try broken.write(to: path)) { error in
            guard case .cannotWrite(path, _)? = error as? WeightError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["weights.h5"])
        XCTAssertEqual(try WeightArchive.read(from: path), archive)
    }

    func testUnstorableNamesAreRefusedBeforeWriting() {
        for name in ["", "/abs", "a//b", "a/", "./a", "a/../b"] {
            var archive = sampleArchive()
            archive.tensors[name] = Tensor(shape: [1], data: [0])
            let path = temporaryFile("bad.h5")
            XCTAssertThrowsError(try archive.write(to: path), name) { error in
                XCTAssertEqual(error as? WeightError, .invalidTensorName(path: path, name: name))
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    /// The h5py fixture: mixed dtypes converted to float32, attributes in h5py's spellings, and a
    /// content hash computed by Python's hashlib that must match mirror's.
    func testFileWrittenByH5pyLoads() throws {
        let path = fixture("h5py_weights.h5")
        let archive = try WeightArchive.read(from: path, architecture: "tiny-test")
        XCTAssertEqual(archive.normalization, InputNormalization(mean: [124, 117, 104], std: [1, 1, 1], channelOrder: .rgb))
        XCTAssertEqual(archive.bnEpsilon, Float(1.001e-5))
        XCTAssertEqual(archive.source, "h5py fixture (Fixtures/scripts/make_hdf5_fixtures.py)")
        let table: [(String, [Int], Int)] = [
            ("conv1/kernel", [3, 3, 3, 2], 1), ("conv1/bias", [2], 2), ("bn_conv1/gamma", [2], 3),
            ("bn_conv1/moving_mean", [2], 4), ("res2a_branch2a/kernel", [1, 1, 2, 4], 5),
            ("fc1000/kernel", [4, 3], 6), ("global_scale", [], 7),
        ]
        XCTAssertEqual(archive.tensors.keys.sorted(), (table.map(\.0) + ["fc1000/bias"]).sorted())
        for (name, shape, salt) in table {
            let expected = (0..<shape.reduce(1, *)).map { Float(($0 * 37 + salt * 11) % 101 - 50) / 8 }
            XCTAssertEqual(archive.tensors[name], Tensor(shape: shape, data: expected), name)
        }
        XCTAssertEqual(archive.tensors["fc1000/bias"]?.data, [0, Float(1.0 / 3.0), Float(2.0 / 3.0)])
        XCTAssertEqual(archive.contentSHA256, "cf92775b2563573a14d70efc710b95d5f9105da92e71366eff332be7862d9a96")
    }

    func testFileWrittenByMirrorLoadsInH5py() throws {
        guard let python = Self.pythonWithH5py() else {
            throw XCTSkip("no python with h5py (tried MIRROR_PYTHON, /work/venv/bin/python, python3); "
                + "the h5py→mirror direction still runs from the committed fixture")
        }
        let path = temporaryFile("for_h5py.h5")
        let archive = sampleArchive()
        try archive.write(to: path)
        // h5py recomputes the content hash from its own reading of the file.
        let script = """
        import hashlib, struct, sys, h5py, numpy as np
        f = h5py.File(sys.argv[1], 'r')
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        h = hashlib.sha256()
        for n in sorted(names, key=lambda s: s.encode()):
            d = f[n]
            assert d.dtype == np.dtype('<f4'), (n, d.dtype)
            a = d[()]
            h.update(struct.pack('<Q', len(n.encode())) + n.encode())
            h.update(struct.pack('<Q', a.ndim) + b''.join(struct.pack('<Q', x) for x in a.shape))
            h.update(np.ascontiguousarray(a, dtype='<f4').tobytes())
        a = f.attrs
        assert a['content_sha256'] == h.hexdigest(), (a['content_sha256'], h.hexdigest())
        assert a['architecture'] == 'resnet-50' and a['channel_order'] == 'RGB'
        assert a['mean'].dtype == np.float32 and list(a['mean']) == [124, 117, 104] and list(a['std']) == [1, 1, 1]
        assert a['bn_epsilon'].shape == () and a['bn_epsilon'] == np.float32(1.001e-5)
        assert f['conv1/kernel'].shape == (7, 7, 3, 4) and f['step_scale'].shape == ()
        print(len(names), a['source'])
        """
        let result = try ProcessRunner.run(python, ["-c", script, path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "10 test: generated values\n")
    }

    func testValidationReportsEveryDifferenceAtOnce() throws {
        var expected = sampleArchive().tensors.mapValues(\.shape)
        expected["conv1/bias"] = nil                      // present in the file → unexpected
        expected["res2a_branch1/kernel"] = [1, 1, 4, 8]   // absent → missing
        expected["bn2a_branch1/gamma"] = [8]              // absent → missing
        expected["conv1/kernel"] = [7, 7, 3, 64]          // wrong shape
        expected["step_scale"] = [1]                      // scalar vs [1] is a mismatch too
        let path = temporaryFile("weights.h5")
        try sampleArchive().write(to: path)
        let archive = try WeightArchive.read(from: path)
        XCTAssertThrowsError(try archive.validate(expected: expected)) { error in
            XCTAssertEqual(error as? WeightError, .mismatch(
                path: path, missing: ["bn2a_branch1/gamma", "res2a_branch1/kernel"], unexpected: ["conv1/bias"],
                mismatched: [ShapeMismatch(name: "conv1/kernel", expected: [7, 7, 3, 64], actual: [7, 7, 3, 4]),
                             ShapeMismatch(name: "step_scale", expected: [1], actual: [])]))
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix(path + ": "), text)
            XCTAssertTrue(text.contains("2 missing: bn2a_branch1/gamma, res2a_branch1/kernel"), text)
            XCTAssertTrue(text.contains("conv1/kernel: expected [7, 7, 3, 64], found [7, 7, 3, 4]"), text)
        }
        XCTAssertNoThrow(try archive.validate(expected: sampleArchive().tensors.mapValues(\.shape)))
    }

    func testLongMismatchListsAreAbbreviatedInTheMessageOnly() {
        let missing = (0..<25).map { "layer\($0)/kernel" }
        let error = WeightError.mismatch(path: "w.h5", missing: missing, unexpected: [], mismatched: [])
        XCTAssertTrue(error.description.hasSuffix("layer19/kernel, … and 5 more"), error.description)
    }

    func testWrongArchitectureIsReportedBeforeLoadingTensors() throws {
        let path = temporaryFile("weights.h5")
        try sampleArchive().write(to: path)
        XCTAssertThrowsError(try WeightArchive.read(from: path, architecture: "googlenet")) { error in
            XCTAssertEqual(error as? WeightError, .architectureMismatch(path: path, expected: "googlenet", actual: "resnet-50"))
        }
        // The tampered fixture would fail its hash check; the architecture is reported first.
        let tampered = fixture("tampered.h5")
        XCTAssertThrowsError(try WeightArchive.read(from: tampered, architecture: "resnet-50")) { error in
            XCTAssertEqual(error as? WeightError, .architectureMismatch(path: tampered, expected: "resnet-50", actual: "tiny-test"))
        }
    }

    func testForeignMissingAndTruncatedFilesNameTheFile() throws {
        let text = temporaryFile("notes.h5")
        try Data("these are not weights\n".utf8).write(to: URL(fileURLWithPath: text))
        let empty = temporaryFile("empty.h5")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        for path in [text, empty] {
            XCTAssertThrowsError(try WeightArchive.read(from: path)) { XCTAssertEqual($0 as? WeightError, .notHDF5(path: path)) }
        }
        let missing = temporaryFile("missing.h5")
        XCTAssertThrowsError(try WeightArchive.read(from: missing)) {
            XCTAssertEqual($0 as? WeightError, .cannotOpen(path: missing, reason: "no such file"))
        }
        XCTAssertThrowsError(try WeightArchive.read(from: directory.path)) {
            XCTAssertEqual($0 as? WeightError, .cannotOpen(path: directory.path, reason: "is a directory"))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture("h5py_weights.h5")))
        let truncated = temporaryFile("truncated.h5")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try WeightArchive.read(from: truncated)) { error in
            guard case .hdf5(.callFailed(truncated, "open file", let stack))? = error as? WeightError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(stack.contains("truncated file"), stack)
            XCTAssertTrue(String(describing: error).hasPrefix(truncated + ": "))
        }
    }

    func testTamperedFileFailsTheHashCheck() {
        let path = fixture("tampered.h5")
        XCTAssertThrowsError(try WeightArchive.read(from: path)) { error in
            guard case .hashMismatch(path, let stored, let computed)? = error as? WeightError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(stored, "cf92775b2563573a14d70efc710b95d5f9105da92e71366eff332be7862d9a96")
            XCTAssertNotEqual(computed, stored)
            XCTAssertTrue(String(describing: error).hasPrefix(path + ": "))
        }
    }

    func testMissingAndInvalidAttributesAreNamed() throws {
        let path = temporaryFile("weights.h5")
        let archive = sampleArchive()
        try Self.writeByHand(archive, to: path)
        XCTAssertEqual(try WeightArchive.read(from: path), archive, "the hand-written layout is the real one")
        for name in ["architecture", "mean", "std", "channel_order", "bn_epsilon", "source", "content_sha256"] {
            try Self.writeByHand(archive, to: path, omitting: name)
            XCTAssertThrowsError(try WeightArchive.read(from: path), name) {
                XCTAssertEqual($0 as? WeightError, .missingAttribute(path: path, name: name))
            }
        }
        let edits: [(String, (HDF5File) throws -> Void, WeightError)] = [
            ("short mean", { try $0.setAttribute("mean", floats: [1, 2]) },
             .invalidAttribute(path: path, name: "mean", reason: "holds 2 values, expected 3")),
            ("odd order", { try $0.setAttribute("channel_order", string: "GBR") },
             .invalidAttribute(path: path, name: "channel_order", reason: "'GBR' is not RGB or BGR")),
            ("text epsilon", { try $0.setAttribute("bn_epsilon", string: "1e-5") },
             .hdf5(.unsupportedType(path: path, object: "bn_epsilon", found: "string", expected: "numbers"))),
        ]
        for (label, edit, expected) in edits {
            try Self.writeByHand(archive, to: path, then: edit)
            XCTAssertThrowsError(try WeightArchive.read(from: path), label) { XCTAssertEqual($0 as? WeightError, expected, label) }
        }
    }

    // MARK: Helpers

    /// Writes `archive` with HDF5File directly, spelling out the documented layout, optionally
    /// leaving out one root attribute or editing the file before it is closed.
    private static func writeByHand(_ archive: WeightArchive, to path: String, omitting omitted: String? = nil,
                                    then edit: (HDF5File) throws -> Void = { _ in }) throws {
        let file = try HDF5File(creating: path)
        let strings = ["architecture": archive.architecture, "channel_order": archive.normalization.channelOrder.rawValue,
                       "source": archive.source, "content_sha256": archive.contentSHA256]
        for (name, value) in strings where name != omitted { try file.setAttribute(name, string: value) }
        let floats = ["mean": archive.normalization.mean, "std": archive.normalization.std]
        for (name, values) in floats where name != omitted { try file.setAttribute(name, floats: values) }
        if omitted != "bn_epsilon" { try file.setAttribute("bn_epsilon", floats: [archive.bnEpsilon], scalar: true) }
        for (name, tensor) in archive.tensors { try file.writeFloats(tensor.data, shape: tensor.shape, at: name) }
        try edit(file)
        try file.close()
    }

    static func pythonWithH5py() -> URL? {
        var candidates = ["/work/venv/bin/python", "/usr/bin/python3", "/usr/local/bin/python3"]
        if let override = ProcessInfo.processInfo.environment["MIRROR_PYTHON"] { candidates.insert(override, at: 0) }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let url = URL(fileURLWithPath: path)
            if let result = try? ProcessRunner.run(url, ["-c", "import h5py, numpy"]), result.status == 0 { return url }
        }
        return nil
    }
}

import Foundation
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// `mirror extract` end to end with synthetic EfficientNet-Lite0 weights on small inputs:
/// failures isolated and reported, kill-and-resume equals an uninterrupted run, shards partition.
final class ExtractCommandTests: XCTestCase {
    static var weights: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-test-lite0-synthetic.h5").path
        if !FileManager.default.fileExists(atPath: path) {
            try! Architecture.efficientNetLite0.syntheticArchive().write(to: path)
        }
        return path
    }()

    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private let demo = TestPaths.fixtures.appendingPathComponent("demo")

    private func demoImages(_ count: Int) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".jpg") }.sorted()
            .prefix(count).map { demo.appendingPathComponent($0).path }
    }

    private func extract(_ list: String, out: String, _ extra: [String] = []) throws -> ProcessResult {
        try ProcessRunner.mirror(["extract", "--img-list", list, "--output-folder", out, "--weights", Self.weights,
                                  "--img-size", "64", "--rmac-step", "1,2", "--backend", "blas"] + extra)
    }

    private func write(_ lines: [String], to name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testBadImagesAreReportedAndSkippedAndGoodOnesWritten() throws {
        let good = try demoImages(2)
        let truncated = directory.appendingPathComponent("truncated.jpg").path
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: good[0]))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: truncated))
        let text = directory.appendingPathComponent("notes.jpg").path
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.jpg").path
        let list = try write([good[0], missing, truncated, text, good[1]], to: "list.txt")
        let out = directory.appendingPathComponent("features").path

        let result = try extract(list, out: out)
        XCTAssertEqual(result.status, 1, result.stderr)
        for image in good {
            let name = ((image as NSString).lastPathComponent as NSString).deletingPathExtension + ".npy"
            XCTAssertEqual(try NpyFile.read(out + "/" + name).shape, [1280, 1], name)   // 64 → 2×2 map: step 2 skipped (k = 0)
        }
        let failed = try String(contentsOfFile: out + "/failed.txt", encoding: .utf8)
        XCTAssertEqual(failed.split(separator: "\n").count, 3, failed)
        XCTAssertTrue(failed.contains(missing + "\t"))
        XCTAssertTrue(failed.contains(truncated + "\t"))
        XCTAssertTrue(failed.contains("unsupported image format"), failed)
        XCTAssertTrue(result.stderr.contains("2 written, 0 already done, 3 failed"), result.stderr)
        let features = try String(contentsOfFile: out + "/feature_list.txt", encoding: .utf8)
        XCTAssertEqual(features.split(separator: "\n").count, 2)
    }

    /// SIGKILL during a run, then a re-run: same bytes as an uninterrupted run, no temporaries left.
    func testKilledRunResumesToIdenticalOutputs() throws {
        // 20 images at 448 on one thread: long enough (~1 s in release) to be killed after two outputs.
        let images = try demoImages(20)
        let list = try write(images, to: "list.txt")
        let options = ["--img-size", "448", "--threads", "1", "--quiet"]
        let reference = directory.appendingPathComponent("reference").path
        XCTAssertEqual(try extract(list, out: reference, options).status, 0)

        let resumed = directory.appendingPathComponent("resumed").path
        let process = Process()
        process.executableURL = TestPaths.mirrorBinary
        process.arguments = ["extract", "--img-list", list, "--output-folder", resumed, "--weights", Self.weights,
                             "--rmac-step", "1,2", "--backend", "blas"] + options
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let done = (try? FileManager.default.contentsOfDirectory(atPath: resumed))?.filter { $0.hasSuffix(".npy") }.count ?? 0
            if done >= 2 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try FileManager.default.contentsOfDirectory(atPath: resumed).filter { $0.hasSuffix(".npy") }.count
        XCTAssertLessThan(partial, 20, "the run finished before it could be killed")

        let rerun = try extract(list, out: resumed, options.filter { $0 != "--quiet" })
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stderr.contains("already done"), rerun.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: reference).sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: resumed).sorted(), names)
        for name in names where name.hasSuffix(".npy") {
            XCTAssertEqual(FileManager.default.contents(atPath: reference + "/" + name),
                           FileManager.default.contents(atPath: resumed + "/" + name), name)
        }
    }

    func testShardsTogetherProduceTheUnshardedOutputs() throws {
        let images = try demoImages(7)
        let list = try write(images, to: "list.txt")
        let whole = directory.appendingPathComponent("whole").path
        let sharded = directory.appendingPathComponent("sharded").path
        XCTAssertEqual(try extract(list, out: whole, ["--quiet"]).status, 0)
        for k in 1...3 { XCTAssertEqual(try extract(list, out: sharded, ["--quiet", "--shard", "\(k)/3"]).status, 0) }
        let wholeFeatures = try FileManager.default.contentsOfDirectory(atPath: whole).filter { $0.hasSuffix(".npy") }.sorted()
        XCTAssertEqual(wholeFeatures.count, 7)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sharded).filter { $0.hasSuffix(".npy") }.sorted(),
                       wholeFeatures)
        for name in wholeFeatures {
            XCTAssertEqual(FileManager.default.contents(atPath: whole + "/" + name),
                           FileManager.default.contents(atPath: sharded + "/" + name), name)
        }
    }

    func testFolderInputIsSearchedRecursivelyAndListsAreWritten() throws {
        let input = directory.appendingPathComponent("photos/sub")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (index, image) in try demoImages(3).enumerated() {
            try FileManager.default.copyItem(atPath: image, toPath: (index == 0 ? input.deletingLastPathComponent() : input)
                .appendingPathComponent((image as NSString).lastPathComponent).path)
        }
        let out = directory.appendingPathComponent("f").path
        let result = try ProcessRunner.mirror(["extract", directory.appendingPathComponent("photos").path, "--output-folder", out,
                                               "--weights", Self.weights, "--img-size", "128", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let images = try String(contentsOfFile: out + "/image_list.txt", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(images.map { ($0 as NSString).lastPathComponent }, ["astronaut_0.jpg", "astronaut_1.jpg", "astronaut_2.jpg"])
        XCTAssertTrue(images[1].hasSuffix("photos/sub/astronaut_1.jpg"))
        // 128 → 4×4 map; steps 1,3,5: 1 + (k=2, s=1, n=3 → 9) + skipped (k=0) = 10 regions.
        XCTAssertEqual(try NpyFile.read(out + "/astronaut_0.npy").shape, [1280, 10])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/failed.txt"))
    }

    func testBadModelAndSizeOptions() throws {
        let list = try write(try demoImages(1), to: "list.txt")
        let noWeights = try ProcessRunner.mirror(["extract", "--img-list", list, "--net", "resnet-50"])
        XCTAssertEqual(noWeights.status, 2)
        XCTAssertTrue(noWeights.stderr.contains("--net resnet-50 needs its weights"), noWeights.stderr)
        let notHDF5 = try ProcessRunner.mirror(["extract", "--img-list", list, "--weights", list])
        XCTAssertEqual(notHDF5.status, 1)
        XCTAssertTrue(notHDF5.stderr.contains(list), notHDF5.stderr)
        let wrongNet = try ProcessRunner.mirror(["extract", "--img-list", list, "--weights", Self.weights, "--net", "googlenet"])
        XCTAssertEqual(wrongNet.status, 1)
        XCTAssertTrue(wrongNet.stderr.contains("googlenet"), wrongNet.stderr)
        let multi = try ProcessRunner.mirror(["extract", "--img-list", list, "--img-size", "500", "--multi-scale"])
        XCTAssertEqual(multi.status, 2)
    }
}

import Foundation
@testable import MirrorCLI
import MirrorCore
import TestSupport
import XCTest

/// The batch machinery of `mirror extract` with a stand-in network: failures are isolated and
/// reported, outputs are atomic and resumable, shards partition the list.
final class BatchExtractorTests: XCTestCase {
    struct Boom: Error, CustomStringConvertible { let description: String }

    private func extractor(_ images: [String], outputs: [String], overwrite: Bool = false,
                           calls: UnsafeMutablePointer<Int>? = nil) -> BatchExtractor<Float> {
        BatchExtractor<Float>(
            images: images, outputs: outputs, expectedShape: [2, 3], overwrite: overwrite,
            prepare: { path in
                if path.contains("bad") { throw Boom(description: "\(path): cannot decode image: corrupt") }
                return Float(path.count)
            },
            compute: { value in
                calls?.pointee += 1
                return Tensor(shape: [2, 3], data: (0..<6).map { Float($0) + value })
            })
    }

    func testFailuresAreIsolatedAndGoodImagesWritten() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let images = ["a.jpg", "bad1.jpg", "b.jpg", "bad2.png", "c.jpg"].map { directory.appendingPathComponent($0).path }
        let outputs = images.map { OutputNaming.outputPath(for: $0, folder: nil, suffix: ".npy") }
        let summary = extractor(images, outputs: outputs).run(progress: nil)
        XCTAssertEqual(summary.written, 3)
        XCTAssertEqual(summary.failures.map(\.image), [images[1], images[3]])
        XCTAssertTrue(summary.failures[0].reason.contains("cannot decode image"))
        for index in [0, 2, 4] {
            let array = try NpyFile.read(outputs[index])
            XCTAssertEqual(array.shape, [2, 3])
            XCTAssertEqual(array.floats()[0], Float(images[index].count))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: outputs[1]))
    }

    func testRerunSkipsValidOutputsRecomputesInvalidOnesAndRemovesPartials() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let images = ["a.jpg", "b.jpg", "c.jpg"].map { directory.appendingPathComponent($0).path }
        let outputs = images.map { OutputNaming.outputPath(for: $0, folder: nil, suffix: ".npy") }
        var calls = 0
        _ = extractor(images, outputs: outputs, calls: &calls).run(progress: nil)
        XCTAssertEqual(calls, 3)
        // Damage one output (wrong shape) and leave a stale temporary of another, as a kill would.
        try NpyFile.write(NpyArray(floats: [1, 2], shape: [2]), to: outputs[1])
        let stale = directory.appendingPathComponent(".c.npy.1234abcd.partial").path
        FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
        calls = 0
        let summary = extractor(images, outputs: outputs, calls: &calls).run(progress: nil)
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(summary.skipped, 2)
        XCTAssertEqual(try NpyFile.read(outputs[1]).shape, [2, 3])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        calls = 0
        _ = extractor(images, outputs: outputs, overwrite: true, calls: &calls).run(progress: nil)
        XCTAssertEqual(calls, 3)
    }

    func testShardsPartitionTheListInOrder() {
        let items = (0..<17).map { "img\($0)" }
        for n in 1...6 {
            let joined = (1...n).flatMap { Array(ImageList.shard(items, index: $0, count: n)) }
            XCTAssertEqual(joined, items, "N=\(n)")
        }
        XCTAssertEqual(ImageList.shard(items, index: 2, count: 3).count, 6)
    }

    func testOutputNamingAndCollisions() throws {
        XCTAssertEqual(OutputNaming.outputPath(for: "/d/x/img.JPG", folder: nil, suffix: ".npy"), "/d/x/img.npy")
        XCTAssertEqual(OutputNaming.outputPath(for: "/d/x/img.png", folder: "/out", suffix: "_f.npy"), "/out/img_f.npy")
        XCTAssertEqual(OutputNaming.outputPath(for: "img.png", folder: nil, suffix: ".npy"), "./img.npy")
        let images = ["/a/1.jpg", "/b/1.jpg"]
        let outputs = images.map { OutputNaming.outputPath(for: $0, folder: "/out", suffix: ".npy") }
        XCTAssertThrowsError(try OutputNaming.checkCollisions(images: images, outputs: outputs)) { error in
            XCTAssertEqual(error as? ExtractionError, .outputCollision(output: "/out/1.npy", first: "/a/1.jpg", second: "/b/1.jpg"))
        }
    }

    func testImageListExpansionIsRecursiveSortedAndFiltered() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["b.jpg", "a.PNG", "sub/c.jpeg", "notes.txt", "sub/deeper/d.jpg"] {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: url.path, contents: Data([0]))
        }
        let found = try ImageList.expand([directory.path]).map { String($0.dropFirst(directory.path.count + 1)) }
        XCTAssertEqual(found, ["a.PNG", "b.jpg", "sub/c.jpeg", "sub/deeper/d.jpg"])
        XCTAssertThrowsError(try ImageList.expand([directory.appendingPathComponent("missing").path]))
        let list = directory.appendingPathComponent("list.txt").path
        try "rel/x.jpg\n/abs/y.jpg\n\n".write(toFile: list, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ImageList.read(listPath: list, root: "/root"), ["/root/rel/x.jpg", "/abs/y.jpg"])
    }
}

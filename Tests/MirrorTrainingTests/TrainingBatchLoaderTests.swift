import Foundation
import MirrorCore
import MirrorImageIO
import MirrorTraining
import TestSupport
import XCTest

final class TrainingBatchLoaderTests: XCTestCase {
    private var folder: URL!
    /// The pixels written for each image.
    private var pixels: [RGBImage] = []

    /// Nine PNGs in three scenes ({0,1,2}, {3,4,5}, {6,7,8}; in the last two every pair is
    /// positive, so each scene keeps a triplet without any one image); most are 8×8 (an exact copy at
    /// S = 8, like GL3D's 224×224 at 224), image 2 is 12×10 and image 5 is 10×8 (resized and cropped).
    override func setUpWithError() throws {
        folder = try TestPaths.makeTemporaryDirectory("mirror-loader")
        var generator = SeededGenerator(seed: 77)
        pixels = (0 ..< 9).map { index in
            let (width, height) = index == 2 ? (12, 10) : index == 5 ? (10, 8) : (8, 8)
            return RGBImage(width: width, height: height,
                            pixels: (0 ..< width * height * 3).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        for (index, image) in pixels.enumerated() {
            try Data(try PNGEncoder.encode(image)).write(to: folder.appendingPathComponent("img\(index).png"))
        }
        try Data((0 ..< 9).map { "img\($0).png\n" }.joined().utf8).write(to: folder.appendingPathComponent("list.txt"))
        let pairs = "0\t1\t0.9\n1\t2\t0.6\n0\t2\t0.2\n3\t4\t0.8\n4\t5\t0.7\n3\t5\t0.6\n6\t7\t0.9\n7\t8\t0.9\n6\t8\t0.5\n"
        try Data(pairs.utf8).write(to: folder.appendingPathComponent("pairs.tsv"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func sampler(batchSize: Int = 3, seed: UInt64 = 5) throws -> TripletSampler {
        let set = try TrainingSet.pairs(imageList: folder.appendingPathComponent("list.txt").path,
                                        pairs: folder.appendingPathComponent("pairs.tsv").path, hardNegativeOverlap: 0.3)
        return TripletSampler(set: set, batchSize: batchSize, hardNegatives: true, seed: seed)
    }

    private func loader(_ sampler: TripletSampler, normalization: InputNormalization = .seed, augment: Bool = true,
                        threads: Int = 2, maxBadImages: Int? = nil,
                        onBadImage: (@Sendable (BadImage) -> Void)? = nil) -> TrainingBatchLoader {
        TrainingBatchLoader(sampler: sampler, imageSize: 8, normalization: normalization, augment: augment,
                            threads: threads, maxBadImages: maxBadImages, onBadImage: onBadImage)
    }

    private func slot(_ tensor: Tensor, _ k: Int) -> ArraySlice<Float> {
        tensor.data[k * 192 ..< (k + 1) * 192]
    }

    func testSameStepGivesTheSameBytesOnAnyThreadCount() throws {
        let sampler = try sampler()
        let two = loader(sampler, threads: 2), one = loader(sampler, threads: 1)
        let batch = try two.load(step: 5)
        XCTAssertEqual(batch.images.shape, [9, 8, 8, 3])
        XCTAssertEqual(batch.triplets, sampler.batch(step: 5))
        XCTAssertEqual(try one.load(step: 5).images, batch.images)
        XCTAssertEqual(try two.load(step: 5).images, batch.images)
        XCTAssertNotEqual(try two.load(step: 6).images, batch.images)
        XCTAssertTrue(batch.replaced.isEmpty)
    }

    func testWithoutAugmentationTheInputIsThePreprocessedImage() throws {
        let sampler = try sampler()
        for (normalization, transform) in [(InputNormalization.seed, { (x: Float, c: Int) in x - [124, 117, 104][c] }),
                                           (.efficientNetLite, { (x: Float, _: Int) in (x - 127) / 128 })] {
            let batch = try loader(sampler, normalization: normalization, augment: false).load(step: 2)
            for (k, image) in batch.triplets.imageIndices.enumerated() {
                let expected: [Float]
                if pixels[image].width == 8 && pixels[image].height == 8 {
                    expected = pixels[image].pixels.enumerated().map { transform(Float($1), $0 % 3) }
                } else {
                    var crop = SeedPreprocessing.centerCrop(pixels[image], imageSize: 8)
                    SeedPreprocessing.normalize(&crop, normalization)
                    expected = crop.data
                }
                XCTAssertEqual(Array(slot(batch.images, k)), expected, "slot \(k), image \(image)")
            }
        }
    }

    func testAugmentedValuesAreUint8LevelsAndDifferPerSlot() throws {
        let sampler = try sampler()
        let plain = try loader(sampler, augment: false).load(step: 3)
        let augmented = try loader(sampler).load(step: 3)
        XCTAssertEqual(plain.triplets, augmented.triplets)
        var changed = 0
        for k in 0 ..< 9 {
            let values = slot(augmented.images, k)
            for (i, value) in values.enumerated() {
                let level = value + [124, 117, 104][i % 3]
                XCTAssertEqual(level, level.rounded(), "slot \(k): whole levels after the uint8 ops")
                XCTAssertTrue((0 ... 255).contains(level))
            }
            if values != slot(plain.images, k) { changed += 1 }
        }
        XCTAssertGreaterThanOrEqual(changed, 8, "nearly every image gets its own augmentation")
    }

    func testBadImagesAreSkippedReportedOnceAndReproducible() throws {
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("img4.png"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("img7.png"))
        let sampler = try sampler()
        let reports = Reports()
        let first = loader(sampler, onBadImage: { reports.add($0) })
        var replacedSteps: [Int] = []
        for step in 0 ..< 25 {
            let batch = try first.load(step: step)
            XCTAssertFalse(batch.triplets.imageIndices.contains(4) || batch.triplets.imageIndices.contains(7))
            XCTAssertEqual(Set(batch.triplets.triplets.map(\.scene)).count, 3, "redraws keep the scenes distinct")
            if !batch.replaced.isEmpty { replacedSteps.append(step) }
        }
        let reported = reports.all
        XCTAssertEqual(Set(reported.map(\.index)), [4, 7])
        XCTAssertEqual(reported.count, 2, "each bad image is reported once")
        let missing = try XCTUnwrap(reported.first { $0.index == 7 })
        XCTAssertEqual(missing.path, folder.appendingPathComponent("img7.png").path)
        XCTAssertFalse(missing.reason.isEmpty || missing.reason.hasPrefix(missing.path), missing.reason)
        XCTAssertEqual(first.badImages.map(\.index).sorted(), [4, 7])

        // A fresh loader (as after --resume) that has never seen the bad files gives the same batch.
        let step = try XCTUnwrap(replacedSteps.last)
        let fresh = try loader(sampler).load(step: step)
        let again = try first.load(step: step)
        XCTAssertEqual(fresh.images, again.images)
        XCTAssertEqual(fresh.triplets, again.triplets)
        XCTAssertEqual(fresh.replaced, again.replaced)
        XCTAssertGreaterThan(fresh.triplets.triplets.map(\.attempt).max()!, 0)
    }

    func testTooManyBadImagesEndTheRunNamingThem() throws {
        try Data("broken".utf8).write(to: folder.appendingPathComponent("img1.png"))
        try Data("broken".utf8).write(to: folder.appendingPathComponent("img4.png"))
        let limited = loader(try sampler(), maxBadImages: 1)
        XCTAssertThrowsError(try (0 ..< 50).forEach { _ = try limited.load(step: $0) }) { error in
            guard case let TrainingError.badImages(reason, images) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("2 of the 9 training images could not be loaded, more than the 1 tolerated"), reason)
            XCTAssertEqual(Set(images.map(\.path)), [folder.appendingPathComponent("img1.png").path,
                                                     folder.appendingPathComponent("img4.png").path])
            XCTAssertTrue(String(describing: error).contains("img4.png"))
        }
    }

    func testASceneOfBadImagesEndsTheRun() throws {
        for index in 6 ... 8 { try Data("broken".utf8).write(to: folder.appendingPathComponent("img\(index).png")) }
        let loader = loader(try sampler(), maxBadImages: 100)
        XCTAssertThrowsError(try loader.load(step: 0)) { error in
            guard case let TrainingError.badImages(reason, images) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("scene 2 (from image 6) gave a triplet with an unloadable image 33 times in a row"), reason)
            XCTAssertFalse(images.isEmpty)
        }
    }
}

/// Collects reports from the loader's callback.
private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [BadImage] = []

    func add(_ item: BadImage) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    var all: [BadImage] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

import MirrorTraining
import XCTest

final class TripletSamplerTests: XCTestCase {
    /// Six scenes of five images each (scene s owns images 5s…5s+4). Scenes 0–1 list GL3D-style
    /// negatives, scenes 2–3 hard negatives, scenes 4–5 neither.
    static let set: TrainingSet = {
        let scenes = (0 ..< 6).map { s -> TrainingScene in
            let base = 5 * s
            let records = (0 ..< 3).map { r -> TrainingRecord in
                let anchor = base + r
                let positives = [base + (r + 1) % 3, base + 3]
                switch s {
                case 0, 1: return TrainingRecord(anchor: anchor, positives: positives, negatives: [29 - r, 28 - r])
                case 2, 3: return TrainingRecord(anchor: anchor, positives: positives, hardNegatives: [base + 4])
                default: return TrainingRecord(anchor: anchor, positives: positives)
                }
            }
            return TrainingScene(name: "scene \(s)", records: records, images: Array(base ..< base + 5))
        }
        return try! TrainingSet(images: (0 ..< 30).map { "img\($0).png" }, scenes: scenes, source: "test")
    }()

    private func sceneOf(_ image: Int) -> Int { image / 5 }

    private func checkValid(_ batch: TripletBatch, hard: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let scenes = batch.triplets.map(\.scene)
        XCTAssertEqual(Set(scenes).count, scenes.count, "distinct scenes", file: file, line: line)
        for triplet in batch.triplets {
            let scene = Self.set.scenes[triplet.scene]
            guard let record = scene.records.first(where: { $0.anchor == triplet.anchor }) else {
                return XCTFail("anchor \(triplet.anchor) is no record of \(scene.name)", file: file, line: line)
            }
            XCTAssertTrue(record.positives.contains(triplet.positive), file: file, line: line)
            switch triplet.negativeSource {
            case .hard:
                XCTAssertTrue(hard, file: file, line: line)
                XCTAssertTrue(record.hardNegatives.contains(triplet.negative), file: file, line: line)
                XCTAssertEqual(sceneOf(triplet.negative), triplet.scene, "hard negatives are same-scene", file: file, line: line)
            case .listed:
                XCTAssertTrue(record.negatives.contains(triplet.negative), file: file, line: line)
            case .otherScene:
                XCTAssertTrue(record.negatives.isEmpty && (!hard || record.hardNegatives.isEmpty), file: file, line: line)
                XCTAssertFalse(scenes.contains(sceneOf(triplet.negative)) && scenes.count < Self.set.scenes.count,
                               "other-scene negatives avoid the batch's scenes", file: file, line: line)
                XCTAssertNotEqual(sceneOf(triplet.negative), triplet.scene, file: file, line: line)
            }
        }
        XCTAssertEqual(batch.imageIndices, batch.anchors + batch.positives + batch.negatives, file: file, line: line)
    }

    func testBatchesHaveDistinctScenesAndValidTriplets() {
        for hard in [false, true] {
            let sampler = TripletSampler(set: Self.set, batchSize: 3, hardNegatives: hard, seed: 11)
            var sources: [Triplet.NegativeSource: Int] = [:]
            for step in 0 ..< 300 {
                let batch = sampler.batch(step: step)
                XCTAssertEqual(batch.triplets.count, 3)
                XCTAssertEqual(batch.step, step)
                checkValid(batch, hard: hard)
                for triplet in batch.triplets { sources[triplet.negativeSource, default: 0] += 1 }
            }
            // Scenes 2–3 give hard negatives only in hard mode; otherwise they fall back to other scenes.
            XCTAssertEqual(sources[.hard] != nil, hard)
            XCTAssertNotNil(sources[.listed])
            XCTAssertNotNil(sources[.otherScene])
        }
    }

    func testHardModeDrawsSameSceneLowOverlapNegatives() {
        let sampler = TripletSampler(set: Self.set, batchSize: 6, hardNegatives: true, seed: 5)
        for step in 0 ..< 50 {
            for triplet in sampler.batch(step: step).triplets where triplet.scene == 2 || triplet.scene == 3 {
                XCTAssertEqual(triplet.negativeSource, .hard)
                XCTAssertEqual(triplet.negative, 5 * triplet.scene + 4)
            }
        }
    }

    func testScenesAreChosenUniformly() {
        let sampler = TripletSampler(set: Self.set, batchSize: 2, seed: 3)
        var counts = [Int](repeating: 0, count: 6), firsts = [Int](repeating: 0, count: 6)
        let steps = 6000
        for step in 0 ..< steps {
            let scenes = sampler.batch(step: step).triplets.map(\.scene)
            for scene in scenes { counts[scene] += 1 }
            firsts[scenes[0]] += 1
        }
        // Each scene is in a batch with probability 2/6 (σ of the count ≈ 36.5); allow 5σ.
        for count in counts { XCTAssertEqual(Double(count), Double(steps) / 3, accuracy: 183) }
        for count in firsts { XCTAssertEqual(Double(count), Double(steps) / 6, accuracy: 145) }
    }

    func testSameSeedAndStepGiveTheSameBatch() {
        let a = TripletSampler(set: Self.set, batchSize: 4, seed: 42)
        let b = TripletSampler(set: Self.set, batchSize: 4, seed: 42)
        // Out of order and repeated: a batch depends on its step only.
        for step in [17, 3, 17, 1_000_000] { XCTAssertEqual(a.batch(step: step), b.batch(step: step)) }
        let batches = (0 ..< 20).map { a.batch(step: $0).imageIndices }
        XCTAssertGreaterThan(Set(batches).count, 15, "different steps give different batches")
        let other = TripletSampler(set: Self.set, batchSize: 4, seed: 43)
        XCTAssertNotEqual((0 ..< 5).map { other.batch(step: $0) }, (0 ..< 5).map { a.batch(step: $0) })
    }

    func testRedrawKeepsTheSceneAndTheOtherTriplets() {
        let sampler = TripletSampler(set: Self.set, batchSize: 4, seed: 8)
        let batch = sampler.batch(step: 9)
        let scenes = batch.triplets.map(\.scene)
        XCTAssertEqual(sampler.triplet(step: 9, index: 2, scene: scenes[2], attempt: 0, batchScenes: scenes), batch.triplets[2])
        var changed = 0
        for attempt in 1 ... 20 {
            let redraw = sampler.triplet(step: 9, index: 2, scene: scenes[2], attempt: attempt, batchScenes: scenes)
            XCTAssertEqual(redraw.scene, scenes[2])
            XCTAssertEqual(redraw.attempt, attempt)
            if redraw.anchor != batch.triplets[2].anchor || redraw.positive != batch.triplets[2].positive { changed += 1 }
        }
        XCTAssertGreaterThan(changed, 5)
    }

    func testBatchSizeIsCappedToTheSceneCount() {
        let sampler = TripletSampler(set: Self.set, batchSize: 10, seed: 1)
        XCTAssertEqual(sampler.requestedBatchSize, 10)
        XCTAssertEqual(sampler.batchSize, 6)
        XCTAssertTrue(sampler.isCapped)
        XCTAssertEqual(sampler.capMessage, "batch size 10 lowered to 6: test has 6 scenes and every triplet of a batch needs its own")
        for step in 0 ..< 30 {
            let batch = sampler.batch(step: step)
            XCTAssertEqual(batch.triplets.map(\.scene).sorted(), Array(0 ..< 6))
            // With every scene in the batch, other-scene negatives still avoid the anchor's scene.
            checkValid(batch, hard: false)
        }
        XCTAssertNil(TripletSampler(set: Self.set, batchSize: 6, seed: 1).capMessage)
    }
}

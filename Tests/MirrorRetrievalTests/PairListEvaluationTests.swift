@testable import MirrorRetrieval
import XCTest

/// `PairListEvaluation` on a case worked out by hand (five images; see the comments).
final class PairListEvaluationTests: XCTestCase {
    // Ground truth: 0–1 0.8, 0–2 0.3, 2–3 0.6, 1–3 0.5, 1–4 0.7. Matchable at 0.5: 01, 23, 13, 14.
    let overlaps: [(first: Int, second: Int, overlap: Double)] = [(0, 1, 0.8), (2, 0, 0.3), (2, 3, 0.6), (1, 3, 0.5), (1, 4, 0.7)]
    // Listed: 01 twice (both directions), 02, 03, 23, and a self pair (ignored).
    func listed(scored: Bool) -> [PairListEvaluation.ListedPair] {
        [(0, 1, 0.9), (1, 0, 0.7), (0, 2, 0.8), (0, 3, 0.1), (3, 2, 0.95), (4, 4, 1.0)].map {
            .init(first: $0.0, second: $0.1, score: scored ? $0.2 : nil)
        }
    }

    func testCountsRecallPrecisionAndMissedImages() {
        let r = PairListEvaluation.evaluate(images: 5, overlaps: overlaps, minOverlap: 0.5, listed: listed(scored: false))
        XCTAssertEqual(r.listedPairs, 4)
        XCTAssertEqual(r.matchablePairs, 4)
        XCTAssertEqual(r.matchableListed, 2)           // 01, 23
        XCTAssertEqual(r.recall, 0.5)
        XCTAssertEqual(r.precision, 0.5)
        XCTAssertEqual(r.pairsPerImage, 1.6)           // 2 · 4 / 5
        XCTAssertEqual(r.imagesWithMatchable, 5)
        XCTAssertEqual(r.imagesMissed, 1)              // image 4: its only matchable partner (1) is not listed
        XCTAssertNil(r.meanAveragePrecision)
        XCTAssertEqual(r.curve, [])
        // A stricter threshold: only 01 (0.8) and 14 (0.7) are matchable at 0.7.
        let strict = PairListEvaluation.evaluate(images: 5, overlaps: overlaps, minOverlap: 0.7, listed: listed(scored: false))
        XCTAssertEqual([strict.matchablePairs, strict.matchableListed, strict.imagesWithMatchable, strict.imagesMissed], [2, 1, 3, 1])
    }

    /// Ranked lists (best score first): 0 → [1, 2, 3], 1 → [0], 2 → [3, 0], 3 → [2, 0], 4 → [].
    /// AP (GL3D trapezoid): 0: 1; 1 (truth 0, 3, 4): 1/3; 2: 1; 3 (truth 2, 1): 1/2; 4: 0 → mAP 2.8333/5.
    /// Top k per image: k = 1 keeps {01, 23} (0.8 pairs per image, recall 0.5); k = 2 adds 02 and 03
    /// (1.6, still 0.5); k = 3 adds nothing.
    func testScoredListsGetMAPAndTheTopKCurve() {
        let r = PairListEvaluation.evaluate(images: 5, overlaps: overlaps, minOverlap: 0.5, listed: listed(scored: true))
        XCTAssertEqual(r.meanAveragePrecision!, (1 + 1.0 / 3 + 1 + 0.5 + 0) / 5, accuracy: 1e-15)
        XCTAssertEqual(r.curve, [
            .init(partnersKept: 1, pairsPerImage: 0.8, recall: 0.5),
            .init(partnersKept: 2, pairsPerImage: 1.6, recall: 0.5),
            .init(partnersKept: 3, pairsPerImage: 1.6, recall: 0.5),
        ])
    }

    func testExhaustiveListFindsEverything() {
        var all: [PairListEvaluation.ListedPair] = []
        for i in 0..<5 { for j in (i + 1)..<5 { all.append(.init(first: i, second: j, score: nil)) } }
        let r = PairListEvaluation.evaluate(images: 5, overlaps: overlaps, minOverlap: 0.5, listed: all)
        XCTAssertEqual([r.recall, r.precision, r.pairsPerImage], [1, 0.4, 4])
        XCTAssertEqual(r.imagesMissed, 0)
    }
}

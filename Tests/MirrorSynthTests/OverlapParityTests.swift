import Foundation
import MirrorSynth
import XCTest

/// The overlap of `mirror synth` against the independent NumPy computation of
/// `Fixtures/scripts/make_homography_set.py` (`directional_overlaps`): the same homographies and
/// photo sizes must give the same grid counts for every pair of both committed sets.
final class OverlapParityTests: XCTestCase {
    /// Every same-photo pair of `train/` (448) and `heldout/` (224): the Swift count equals
    /// round(overlap · 3136) of `pairs.tsv`, and printing it with 6 decimals gives the file's text.
    func testEveryFixturePairHasTheSameGridCount() throws {
        var compared = 0
        for name in ["train", "heldout"] {
            let fixture = try SyntheticFixture(name)
            let grid = ViewOverlap(size: fixture.meta.size, stride: fixture.meta.overlap.stride)
            XCTAssertEqual(grid.pointCount, 3136)
            var swift: [Int: Int] = [:]   // i * 100_000 + j → count
            for (p, images) in fixture.imagesByPhoto.enumerated() {
                let photo = fixture.meta.photos[p]
                let counts = grid.symmetricCounts(images.map { fixture.homographies[$0] },
                                                  photoWidth: photo.width, photoHeight: photo.height)
                for a in images.indices {
                    XCTAssertEqual(counts[a][a], grid.pointCount, "\(name): view \(images[a]) leaves its photo")
                    for b in images.indices where a != b {
                        swift[images[a] * 100_000 + images[b]] = counts[a][b]
                    }
                }
            }
            XCTAssertEqual(fixture.pairs.count, swift.count / 2, name)
            for pair in fixture.pairs {
                guard let count = swift[pair.i * 100_000 + pair.j] else {
                    XCTFail("\(name): pair \(pair.i) \(pair.j) is not a same-photo pair")
                    continue
                }
                let expected = Int((Double(pair.overlap)! * 3136).rounded())
                XCTAssertEqual(count, expected, "\(name): pair \(pair.i) \(pair.j)")
                XCTAssertEqual(String(format: "%.6f", grid.overlap(count: count)), pair.overlap, "\(name): \(pair.i) \(pair.j)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 448 + 224)
    }

    /// The overlap is a property of the geometry, not of the matrices' scale: multiplying every H by
    /// a positive factor changes no count (a negative one would put every point behind the camera).
    func testCountsIgnoreAPositiveScaleOfH() throws {
        let fixture = try SyntheticFixture("heldout")
        let grid = ViewOverlap(size: 224, stride: 4)
        let images = fixture.imagesByPhoto[0]
        let photo = fixture.meta.photos[0]
        let original = grid.directedCounts(images.map { fixture.homographies[$0] }, photoWidth: photo.width, photoHeight: photo.height)
        let scaled = grid.directedCounts(images.map { Homography(fixture.homographies[$0].m.map { $0 * 3.7 }) },
                                         photoWidth: photo.width, photoHeight: photo.height)
        XCTAssertEqual(original, scaled)
        let flipped = grid.directedCounts(images.map { Homography(fixture.homographies[$0].m.map { -$0 }) },
                                          photoWidth: photo.width, photoHeight: photo.height)
        XCTAssertTrue(flipped.allSatisfy { $0.allSatisfy { $0 == 0 } })
    }

    /// Known answers, as the generator's self-check: a view against itself is |G|; a pure
    /// translation by t view pixels keeps the grid columns that stay inside (closed form).
    func testIdentityAndTranslationsHaveClosedFormCounts() {
        let grid = ViewOverlap(size: 224, stride: 4)
        let base = ViewParameters(zoom: 1, rotationDegrees: 0, tiltDegrees: 0, tiltAxisDegrees: 0, distance: 1.5,
                                  center: [115.2, 240])
        let a = base.homography(photoWidth: 640, photoHeight: 480, size: 224)
        let window = 0.4 * 480.0
        for shift in [0, 1, 3, 17, 56, 100, 150, 223] {
            var moved = base
            moved.center = [115.2 + Double(shift) * window / 224, 240]
            let b = moved.homography(photoWidth: 640, photoHeight: 480, size: 224)
            let counts = grid.directedCounts([a, b], photoWidth: 640, photoHeight: 480)
            let rows = grid.axis.count
            XCTAssertEqual(counts[0][0], grid.pointCount)
            XCTAssertEqual(counts[0][1], rows * grid.axis.filter { $0 - Double(shift) >= 0 }.count, "shift \(shift)")
            XCTAssertEqual(counts[1][0], rows * grid.axis.filter { $0 + Double(shift) < 224 }.count, "shift \(shift)")
        }
    }

    func testGridAxisStartsAtHalfTheStride() {
        XCTAssertEqual(ViewOverlap(size: 224, stride: 4).axis.prefix(3), [2.5, 6.5, 10.5])
        XCTAssertEqual(ViewOverlap(size: 224, stride: 4).axis.last, 222.5)
        XCTAssertEqual(ViewOverlap(size: 10, stride: 1).axis, (0..<10).map { Double($0) + 0.5 })
        XCTAssertEqual(ViewOverlap(size: 64, stride: 4).pointCount, 256)
    }
}

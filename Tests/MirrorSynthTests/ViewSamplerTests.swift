import Foundation
import MirrorCore
import MirrorSynth
import XCTest

/// The sampled views: every pixel shows the photo, parameters in their ranges, and the near-view
/// rule giving both high and low overlaps.
final class ViewSamplerTests: XCTestCase {
    func testViewsFitTheirPhotosAndParametersStayInRange() throws {
        var near = 0, total = 0
        for (step, (w, h)) in [(512, 288), (640, 480), (300, 900), (1024, 1024)].enumerated() {
            var random = TrainingRandom(seed: 11, step: step, stream: .synthGeometry)
            let views = try ViewSampler.sample(count: 40, photoWidth: w, photoHeight: h, size: 224, random: &random, name: "p")
            XCTAssertEqual(views.count, 40)
            for (k, view) in views.enumerated() {
                XCTAssertTrue(ViewDistribution.zoom.contains(view.zoom))
                XCTAssertTrue((-30..<30).contains(view.rotationDegrees) && (0..<30).contains(view.tiltDegrees))
                XCTAssertTrue((0..<360).contains(view.tiltAxisDegrees) && (1..<2).contains(view.distance))
                if let earlier = view.nearView { XCTAssertLessThan(earlier, k); near += 1 }
                total += 1
                let inverse = try XCTUnwrap(view.homography(photoWidth: w, photoHeight: h, size: 224).inverse())
                for (x, y) in [(0.0, 0.0), (224, 0), (224, 224), (0, 224)] {
                    let p = inverse.apply(x, y)
                    XCTAssertGreaterThan(p.2, 0)
                    XCTAssertTrue(p.0 / p.2 >= 1 - 1e-9 && p.0 / p.2 <= Double(w) - 1 + 1e-9)
                    XCTAssertTrue(p.1 / p.2 >= 1 - 1e-9 && p.1 / p.2 <= Double(h) - 1 + 1e-9)
                }
            }
        }
        // 0.6 of the views after the first of each photo: 156 Bernoulli draws.
        XCTAssertEqual(Double(near) / Double(total - 4), 0.6, accuracy: 0.15)
    }

    /// Same key, same views; another seed or photo name, other views.
    func testSamplingIsAFunctionOfTheKey() throws {
        func views(_ seed: UInt64, _ step: Int) throws -> [ViewParameters] {
            var random = TrainingRandom(seed: seed, step: step, stream: .synthGeometry)
            return try ViewSampler.sample(count: 8, photoWidth: 640, photoHeight: 480, size: 224, random: &random, name: "p")
        }
        XCTAssertEqual(try views(1, 7), try views(1, 7))
        XCTAssertNotEqual(try views(1, 7), try views(2, 7))
        XCTAssertNotEqual(try views(1, 7), try views(1, 8))
    }

    /// A 2×2 photo: even the narrowest view (zoom 1.6, 0.5 px across) cannot keep the 1-pixel margin.
    func testTinyPhotoIsRefusedNotLoopedOn() {
        var random = TrainingRandom(seed: 1, step: 0, stream: .synthGeometry)
        XCTAssertThrowsError(try ViewSampler.sample(count: 2, photoWidth: 2, photoHeight: 2, size: 224, random: &random,
                                                    name: "tiny.png")) { error in
            XCTAssertEqual(error as? SynthError, .photoTooSmall(path: "tiny.png", width: 2, height: 2, size: 224))
        }
    }
}

import Foundation
import MirrorCore
import MirrorSynth
import XCTest

/// The view homography H = T(S/2,S/2)·P(θ,ψ,d)·R(φ)·diag(k,k,1)·T(−cx,−cy) and the 3×3 inverse.
final class HomographyTests: XCTestCase {
    /// Every view of both fixture sets: H rebuilt from `meta.json`'s parameters equals the
    /// generator's `homographies.npy` (NumPy) within 1e-12 of the matrix's largest entry.
    func testParametersOfTheFixtureRebuildItsHomographies() throws {
        var worst = 0.0
        for name in ["train", "heldout"] {
            let fixture = try SyntheticFixture(name)
            for image in fixture.meta.images {
                let photo = fixture.meta.photos[image.photo]
                let swift = image.params.homography(photoWidth: photo.width, photoHeight: photo.height, size: fixture.meta.size)
                let numpy = fixture.homographies[image.index]
                let scale = numpy.m.map(abs).max()!
                for k in 0..<9 {
                    let error = abs(swift.m[k] - numpy.m[k]) / scale
                    worst = max(worst, error)
                    XCTAssertLessThanOrEqual(error, 1e-12, "\(name) image \(image.index) entry \(k)")
                }
            }
        }
        XCTAssertLessThan(worst, 1e-12)
    }

    /// The centre of the photo window lands on the view centre, and the pre-images of the four view
    /// corners of every fixture view lie inside the photo with the 1-pixel margin.
    func testCentreMapsToViewCentreAndCornersStayInThePhoto() throws {
        let fixture = try SyntheticFixture("heldout")
        for image in fixture.meta.images {
            let photo = fixture.meta.photos[image.photo]
            let h = image.params.homography(photoWidth: photo.width, photoHeight: photo.height, size: 224)
            let c = h.apply(image.params.center[0], image.params.center[1])
            XCTAssertEqual(c.0 / c.2, 112, accuracy: 1e-9)
            XCTAssertEqual(c.1 / c.2, 112, accuracy: 1e-9)
            let inverse = try XCTUnwrap(h.inverse())
            for (x, y) in [(0.0, 0.0), (224, 0), (224, 224), (0, 224)] {
                let p = inverse.apply(x, y)
                XCTAssertGreaterThan(p.2, 0)
                XCTAssertTrue((1 - 1e-9...Double(photo.width) - 1 + 1e-9).contains(p.0 / p.2), "\(image.path)")
                XCTAssertTrue((1 - 1e-9...Double(photo.height) - 1 + 1e-9).contains(p.1 / p.2), "\(image.path)")
            }
        }
    }

    /// Without tilt and rotation H is the similarity x ↦ k·(x − c) + S/2 with k = z·S/(0.4·min(W, H)).
    func testUntiltedViewIsAScaledTranslation() {
        let view = ViewParameters(zoom: 1.25, rotationDegrees: 0, tiltDegrees: 0, tiltAxisDegrees: 77, distance: 1.3,
                                  center: [300, 200])
        let h = view.homography(photoWidth: 640, photoHeight: 480, size: 224)
        let k = 1.25 * 224 / (0.4 * 480)
        let expected = [k, 0, 112 - k * 300, 0, k, 112 - k * 200, 0, 0, 1]
        for i in 0..<9 { XCTAssertEqual(h.m[i], expected[i], accuracy: 1e-12) }
        let rotated = ViewParameters(zoom: 1, rotationDegrees: 90, tiltDegrees: 0, tiltAxisDegrees: 0, distance: 1, center: [0, 0])
            .homography(photoWidth: 100, photoHeight: 100, size: 40)
        let p = rotated.apply(10, 0)   // k = 1: (10, 0) rotates to (0, 10), then + (20, 20)
        XCTAssertEqual(p.0 / p.2, 20, accuracy: 1e-12)
        XCTAssertEqual(p.1 / p.2, 30, accuracy: 1e-12)
    }

    /// A tilt about the x axis keeps points on that axis (through the view centre) at scale k and
    /// changes the perspective row only through the y coordinate: P[2] = (0, −sin θ / D, 1)·… for ψ = 0.
    func testTiltAboutTheXAxisOnlyForeshortensY() {
        let view = ViewParameters(zoom: 1, rotationDegrees: 0, tiltDegrees: 30, tiltAxisDegrees: 0, distance: 2,
                                  center: [0, 0])
        let h = view.homography(photoWidth: 100, photoHeight: 100, size: 50)   // k = 1.25, D = 100
        let theta = 30.0 * .pi / 180
        // Rodrigues about (1, 0, 0): r = [[1,0,0],[0,cos,−sin],[0,sin,cos]]; P = [[1,0,0],[0,cos,0],[0,sin/D,1]].
        let onAxis = h.apply(8, 0)
        XCTAssertEqual(onAxis.0 / onAxis.2, 25 + 10, accuracy: 1e-12)
        XCTAssertEqual(onAxis.1 / onAxis.2, 25, accuracy: 1e-12)
        let y = 8.0 * 1.25
        let off = h.apply(0, 8)
        XCTAssertEqual(off.1 / off.2, 25 + cos(theta) * y / (sin(theta) * y / 100 + 1), accuracy: 1e-12)
    }

    /// H·H⁻¹ = I for every fixture matrix (relative residual ≤ 1e-13), also with a zero leading
    /// entry that forces a row swap; a singular matrix has no inverse.
    func testInverse() throws {
        let fixture = try SyntheticFixture("train")
        let swapped = Homography([0, 2, 1, 3, 0.5, 7, 1, -1, 4])
        for h in fixture.homographies + [swapped, Homography.translation(3, -4) * Homography.scale(2, 0.5)] {
            let inverse = try XCTUnwrap(h.inverse())
            let product = h * inverse
            let scale = h.m.map(abs).max()! * inverse.m.map(abs).max()!
            for i in 0..<3 {
                for j in 0..<3 {
                    XCTAssertEqual(product[i, j], i == j ? 1 : 0, accuracy: 1e-13 * scale)
                }
            }
        }
        XCTAssertNil(Homography([1, 2, 3, 2, 4, 6, 0, 0, 1]).inverse())
    }
}

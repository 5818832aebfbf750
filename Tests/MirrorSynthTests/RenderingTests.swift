import Foundation
import MirrorCore
import MirrorImageIO
import MirrorSynth
import XCTest

/// The warp and the photometric jitter against closed forms computed here, independently.
final class RenderingTests: XCTestCase {
    /// A photo whose red channel is the linear ramp 64 + (pixel column) and green 32 + (pixel row):
    /// bilinear interpolation reproduces a linear function exactly, so each view pixel must be the
    /// rounded mean of ramp(H⁻¹(sub-pixel centre)) over its 2×2 sub-pixels. H⁻¹ is taken here by
    /// the adjugate, not by `Homography.inverse()`.
    func testWarpSamplesThePhotoAtThePreImagesOfTheSubPixelCentres() {
        let w = 160, h = 120
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w { pixels[(y * w + x) * 3] = UInt8(64 + x); pixels[(y * w + x) * 3 + 1] = UInt8(32 + y); pixels[(y * w + x) * 3 + 2] = 77 }
        }
        let photo = RGBImage(width: w, height: h, pixels: pixels)
        let size = 48
        let view = ViewParameters(zoom: 1.1, rotationDegrees: 23, tiltDegrees: 27, tiltAxisDegrees: 130, distance: 1.2,
                                  center: [80, 60])
        let homography = view.homography(photoWidth: w, photoHeight: h, size: size)
        let rendered = PerspectiveWarp.render(photo, homography: homography, size: size)
        let inverse = adjugate(Homography.scale(2, 2) * homography)
        var worst = 0, total = 0
        for y in 0..<size {
            for x in 0..<size {
                var red = 0, green = 0
                for sy in 0..<2 {
                    for sx in 0..<2 {
                        let (u, v) = project(inverse, Double(2 * x + sx) + 0.5, Double(2 * y + sy) + 0.5)
                        XCTAssertTrue(u >= 1 && u <= Double(w - 1) && v >= 1 && v <= Double(h - 1))
                        red += Int((64 + u - 0.5 + 0.5).rounded(.down))
                        green += Int((32 + v - 0.5 + 0.5).rounded(.down))
                    }
                }
                let expected = [(red + 2) / 4, (green + 2) / 4, 77]
                for c in 0..<3 {
                    let difference = abs(Int(rendered[y, x, c]) - expected[c])
                    worst = max(worst, difference)
                    total += difference
                }
            }
        }
        // Exact but for a rounding tie flipped by the last bit of a different inverse.
        XCTAssertLessThanOrEqual(worst, 1)
        XCTAssertLessThan(Double(total) / Double(size * size * 3), 0.01)
    }

    func testConstantPhotoStaysConstant() {
        let photo = RGBImage(width: 90, height: 70, pixels: [UInt8](repeating: 0, count: 90 * 70 * 3).enumerated().map { [200, 10, 99][$0.offset % 3] })
        let view = ViewParameters(zoom: 0.8, rotationDegrees: -12, tiltDegrees: 20, tiltAxisDegrees: 10, distance: 1.5, center: [45, 35])
        let rendered = PerspectiveWarp.render(photo, homography: view.homography(photoWidth: 90, photoHeight: 70, size: 32), size: 32)
        XCTAssertEqual(rendered.pixels, (0..<32 * 32 * 3).map { [200, 10, 99][$0 % 3] })
    }

    /// No-op parameters return the input bytes; a hand-computed pixel follows the generator's steps:
    /// saturation about the gray, contrast about the mean, brightness, gain, gamma, round half to even.
    func testJitterFollowsTheGeneratorsSteps() {
        var random = TrainingRandom(seed: 1, step: 0, stream: .synthAppearance(view: 0))
        let input: [UInt8] = [100, 150, 200, 0, 255, 30]
        let none = PhotometricJitter(contrast: 1, brightness: 0, saturation: 1, gamma: 1, channelGain: [1, 1, 1], noiseSigma: 0)
        XCTAssertEqual(none.apply(to: input, random: &random), input)

        let jitter = PhotometricJitter(contrast: 1.1, brightness: 5, saturation: 1.2, gamma: 0.9,
                                       channelGain: [1, 0.98, 1.02], noiseSigma: 0)
        // By hand: gray of (100,150,200) = 140.5, of (0,255,30) = 153.105.
        let saturated = [140.5 + 1.2 * (100 - 140.5), 140.5 + 1.2 * (150 - 140.5), 140.5 + 1.2 * (200 - 140.5),
                         153.105 + 1.2 * (0 - 153.105), 153.105 + 1.2 * (255 - 153.105), 153.105 + 1.2 * (30 - 153.105)]
        let mean = saturated.reduce(0, +) / 6
        let expected: [UInt8] = saturated.enumerated().map { i, value in
            let v = ((value - mean) * 1.1 + mean + 5) * [1, 0.98, 1.02][i % 3]
            return UInt8((255 * pow(min(max(v, 0), 255) / 255, 0.9)).rounded(.toNearestOrEven))
        }
        XCTAssertEqual(jitter.apply(to: input, random: &random), expected)
    }

    /// Noise of σ = 3 on mid-gray: mean kept, standard deviation ≈ 3 (integer rounding adds 1/12).
    func testNoiseHasTheDrawnSigma() {
        var random = TrainingRandom(seed: 5, step: 1, stream: .synthAppearance(view: 2))
        let jitter = PhotometricJitter(contrast: 1, brightness: 0, saturation: 1, gamma: 1, channelGain: [1, 1, 1], noiseSigma: 3)
        let out = jitter.apply(to: [UInt8](repeating: 128, count: 90_000), random: &random).map(Double.init)
        let mean = out.reduce(0, +) / Double(out.count)
        let variance = out.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(out.count)
        XCTAssertEqual(mean, 128, accuracy: 0.05)
        XCTAssertEqual(variance, 9 + 1.0 / 12, accuracy: 0.2)
    }

    func testJitterDrawsStayInTheirRanges() {
        for view in 0..<200 {
            var random = TrainingRandom(seed: 9, step: 3, stream: .synthAppearance(view: view))
            let j = PhotometricJitter.draw(&random)
            XCTAssertTrue((0.75..<1.25).contains(j.contrast) && (-20..<20).contains(j.brightness))
            XCTAssertTrue((0.7..<1.3).contains(j.saturation) && (0.8..<1.25).contains(j.gamma))
            XCTAssertTrue(j.channelGain.count == 3 && j.channelGain.allSatisfy { (0.95..<1.05).contains($0) })
            XCTAssertTrue((0..<4).contains(j.noiseSigma))
        }
    }

    private func adjugate(_ h: Homography) -> Homography {
        let a = h.m
        let cofactors = [a[4] * a[8] - a[5] * a[7], a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
                         a[5] * a[6] - a[3] * a[8], a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
                         a[3] * a[7] - a[4] * a[6], a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3]]
        let determinant = a[0] * cofactors[0] + a[1] * cofactors[3] + a[2] * cofactors[6]
        return Homography(cofactors.map { $0 / determinant })
    }

    private func project(_ h: Homography, _ x: Double, _ y: Double) -> (Double, Double) {
        let p = h.apply(x, y)
        return (p.0 / p.2, p.1 / p.2)
    }
}

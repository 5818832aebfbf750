import MirrorCore
@testable import MirrorTraining
import TestSupport
import XCTest

final class AugmentationTests: XCTestCase {
    /// A 7×5 image (35 pixels: odd, so the contrast fold keeps a middle pixel), random levels plus
    /// grays, primaries and extremes.
    static let image: [Float] = {
        var generator = SeededGenerator(seed: 21)
        var values = (0 ..< 35 * 3).map { _ in Float(generator.next() % 256) }
        let specials: [[Float]] = [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0], [0, 255, 0],
                                   [0, 0, 255], [255, 255, 0], [10, 200, 200], [37, 37, 38]]
        for (k, pixel) in specials.enumerated() { values.replaceSubrange(k * 3 ..< k * 3 + 3, with: pixel) }
        return values
    }()

    private func run(_ op: (UnsafeMutableBufferPointer<Float>) -> Void, on image: [Float] = image) -> [Float] {
        var values = image
        values.withUnsafeMutableBufferPointer { op($0) }
        return values
    }

    /// Every value within one level of the reference, and almost all equal: the reference is a
    /// textbook float64 computation, so a value just at a quantisation step may round apart.
    private func assertClose(_ actual: [Float], _ expected: [Double], _ label: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        var differing = 0
        for (a, e) in zip(actual, expected) {
            XCTAssertLessThanOrEqual(abs(Double(a) - e), 1, "\(label): \(a) vs \(e)", file: file, line: line)
            XCTAssertEqual(a, a.rounded(), "\(label): outputs are uint8 levels", file: file, line: line)
            if Double(a) != e { differing += 1 }
        }
        XCTAssertLessThanOrEqual(differing, expected.count / 20, "\(label): \(differing) values differ", file: file, line: line)
    }

    private var reference: [Double] { Self.image.map(Double.init) }

    func testContrastMatchesTheReference() {
        for factor: Float in [0.5, 0.77, 1, 1.31, 1.4999] {
            let actual = run { TrainingAugmentation.adjustContrast($0, factor: factor) }
            assertClose(actual, ReferenceColor.contrast(reference, factor: Double(factor)), "contrast \(factor)")
        }
        // TF's halving fold gives the mean to float32 accuracy.
        let means = run { buffer in
            let m = TrainingAugmentation.channelMeans(buffer)
            for c in 0 ..< 3 { buffer[c] = m[c] }
        }
        for c in 0 ..< 3 {
            let exact = stride(from: c, to: Self.image.count, by: 3).reduce(0.0) { $0 + Double(Self.image[$1]) } / 35 / 255
            XCTAssertEqual(Double(means[c]), exact, accuracy: 1e-6)
        }
    }

    func testSaturationMatchesTheReference() {
        for factor: Float in [0.5, 0.8, 1, 1.2, 1.4999] {
            let actual = run { TrainingAugmentation.adjustSaturation($0, factor: factor) }
            assertClose(actual, ReferenceColor.saturation(reference, factor: Double(factor)), "saturation \(factor)")
        }
    }

    func testHueMatchesTheReference() {
        for delta: Float in [-0.2, -0.07, 0, 0.05, 0.1999] {
            let actual = run { TrainingAugmentation.adjustHue($0, delta: delta) }
            assertClose(actual, ReferenceColor.hue(reference, delta: Double(delta)), "hue \(delta)")
        }
    }

    func testBrightnessMatchesTheReferenceAndTruncates() {
        for delta: Float in [-0.2, -0.01, 0, 0.13, 0.1999] {
            let actual = run { TrainingAugmentation.adjustBrightness($0, delta: delta) }
            assertClose(actual, ReferenceColor.brightness(reference, delta: Double(delta)), "brightness \(delta)")
        }
        // TF's cast truncates: 100/255 + 0.1 = 0.492157; ·255.5 = 125.75 → 125, not 126.
        XCTAssertEqual(run({ TrainingAugmentation.adjustBrightness($0, delta: 0.1) }, on: [100, 0, 255]), [125, 25, 255])
    }

    func testFlipMirrorsRows() {
        let actual = run { TrainingAugmentation.flipLeftRight($0, width: 7) }
        XCTAssertEqual(actual.map(Double.init), ReferenceColor.flip(reference, width: 7))
    }

    func testChainRunsInTheSeedOrderAndClipsBetweenOps() {
        let draw = AugmentationDraw(contrast: 1.3, saturation: 0.7, hue: 0.11, brightness: -0.15, flip: true)
        var tensor = Tensor(shape: [5, 7, 3], data: Self.image)
        TrainingAugmentation.apply(draw, to: &tensor)
        var expected = ReferenceColor.contrast(reference, factor: 1.3)
        expected = ReferenceColor.saturation(expected, factor: 0.7)
        expected = ReferenceColor.hue(expected, delta: 0.11)
        expected = ReferenceColor.brightness(expected, delta: -0.15)
        expected = ReferenceColor.flip(expected, width: 7)
        assertClose(tensor.data, expected, "chain")

        // Contrast 1.5 pushes 255 to 1.25 on the [0, 1] scale; uint8 clips it to 255 before the
        // brightness op, so −0.2 gives 0.8·255.5 → 204. Unclipped it would stay at 255.
        var pair = Tensor(shape: [1, 2, 3], data: [0, 0, 0, 255, 255, 255])
        TrainingAugmentation.apply(AugmentationDraw(contrast: 1.5, saturation: 1, hue: 0, brightness: -0.2, flip: false), to: &pair)
        XCTAssertEqual(pair.data, [0, 0, 0, 204, 204, 204])
    }

    func testIdentityDrawKeepsWholeNumberImages() {
        var tensor = Tensor(shape: [5, 7, 3], data: Self.image)
        TrainingAugmentation.apply(.identity, to: &tensor)
        XCTAssertEqual(tensor.data, Self.image)
    }

    func testDrawsFollowTheSeedDistributions() {
        let n = 20_000
        var contrast: [Double] = [], saturation: [Double] = [], hue: [Double] = [], brightness: [Double] = []
        var flips = 0, bothFlipped = 0
        for step in 0 ..< n {
            var anchorRandom = TrainingRandom(seed: 4, step: step, stream: .augmentation(slot: 0, attempt: 0))
            var positiveRandom = TrainingRandom(seed: 4, step: step, stream: .augmentation(slot: 16, attempt: 0))
            let draw = AugmentationDraw(random: &anchorRandom), other = AugmentationDraw(random: &positiveRandom)
            contrast.append(Double(draw.contrast))
            saturation.append(Double(draw.saturation))
            hue.append(Double(draw.hue))
            brightness.append(Double(draw.brightness))
            if draw.flip { flips += 1 }
            if draw.flip && other.flip { bothFlipped += 1 }
        }
        func check(_ values: [Double], _ low: Double, _ high: Double, _ name: String) {
            let mean = values.reduce(0, +) / Double(n)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let width = high - low
            XCTAssertGreaterThanOrEqual(values.min()!, low, name)
            XCTAssertLessThan(values.max()!, high, name)
            // U(low, high): mean ± 5σ/√n, variance width²/12 within 3%.
            XCTAssertEqual(mean, (low + high) / 2, accuracy: 5 * width / sqrt(12 * Double(n)), name)
            XCTAssertEqual(variance, width * width / 12, accuracy: 0.03 * width * width / 12, name)
            XCTAssertLessThan(values.min()!, low + 0.01 * width, "\(name) reaches its lower end")
            XCTAssertGreaterThan(values.max()!, high - 0.01 * width, "\(name) reaches its upper end")
        }
        check(contrast, 0.5, 1.5, "contrast")
        check(saturation, 0.5, 1.5, "saturation")
        check(hue, -0.2, 0.2, "hue")
        check(brightness, -0.2, 0.2, "brightness")
        // Flip rate 1/2 (σ ≈ 71 draws) and independent between an anchor and its positive (1/4).
        XCTAssertEqual(Double(flips), Double(n) / 2, accuracy: 360)
        XCTAssertEqual(Double(bothFlipped), Double(n) / 4, accuracy: 310)
    }
}

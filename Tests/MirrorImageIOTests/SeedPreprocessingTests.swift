import MirrorCore
import MirrorImageIO
import TestSupport
import XCTest

/// Unit tests of the seed's preprocessing: SPEC §1.2's size table and the S+1 case, §1.3's worked
/// resize rows, window/full-resize equality, decimation, scale counts and normalisation. The
/// TensorFlow parity on real photos is in `SeedPreprocessingParityTests`.
final class SeedPreprocessingTests: XCTestCase {
    // MARK: SPEC §1.2 target size

    func testResizedSizeMatchesSpecTable() {
        let table: [(input: (Int, Int), expected: (Int, Int, Int, Int))] = [
            ((768, 1024), (896, 1195, 0, 149)),
            ((1024, 683), (1344, 897, 224, 0)),
            ((427, 640), (896, 1343, 0, 223)),
            ((896, 896), (896, 896, 0, 0)),
        ]
        for (input, expected) in table {
            let size = SeedPreprocessing.resizedSize(height: input.0, width: input.1, imageSize: 896)
            XCTAssertEqual([size.height, size.width, size.top, size.left],
                           [expected.0, expected.1, expected.2, expected.3], "\(input)")
        }
        // The float32 ratios of the table (SPEC lists them rounded to 8 digits).
        XCTAssertEqual(Float(896) / Float(768), 1.1666666)
        XCTAssertEqual(Float(896) / Float(683), 1.3118595)
        XCTAssertEqual(Float(896) / Float(427), 2.0983605)
    }

    func testShortSideCanComeOutAsSPlusOne() {
        for short in [102, 104, 105, 155, 683] {
            let portrait = SeedPreprocessing.resizedSize(height: 2 * short + 1, width: short, imageSize: 896)
            XCTAssertEqual(portrait.width, 897, "short side \(short)")
            XCTAssertEqual(portrait.left, 0, "short side \(short)")
            let landscape = SeedPreprocessing.resizedSize(height: short, width: short + 37, imageSize: 896)
            XCTAssertEqual(landscape.height, 897, "short side \(short)")
        }
        XCTAssertEqual(SeedPreprocessing.resizedSize(height: 103, width: 103, imageSize: 896).height, 896)
        func plusOneCount(_ size: Int) -> Int {
            (100 ... 5000).filter {
                SeedPreprocessing.resizedSize(height: $0, width: $0, imageSize: size).height == size + 1
            }.count
        }
        XCTAssertEqual(plusOneCount(896), 454, "SPEC §1.2: 454 short sides in 100…5000")
        XCTAssertEqual(plusOneCount(1024), 0, "a power-of-two S never rounds up")
    }

    // MARK: SPEC §1.3 legacy bilinear

    func testLegacyBilinearWorkedRows() {
        let row: [UInt8] = [0, 10, 20, 30]
        // The value row in R; G and B carry other data that must not leak into R.
        let pixels: [UInt8] = row.flatMap { value -> [UInt8] in [value, 255 - value, 7] }
        let horizontal = RGBImage(width: 4, height: 1, pixels: pixels)
        let vertical = RGBImage(width: 1, height: 4, pixels: pixels)
        let expected: [Int: [Float]] = [
            3: [0, 13.333334, 26.666668],
            6: [0, 6.666667, 13.333334, 20, 26.666668, 30],
        ]
        for (count, values) in expected {
            let wide = SeedPreprocessing.resizeBilinearLegacy(horizontal, height: 1, width: count)
            XCTAssertEqual(wide.shape, [1, count, 3])
            XCTAssertEqual(stride(from: 0, to: wide.count, by: 3).map { wide.data[$0] }, values)
            let tall = SeedPreprocessing.resizeBilinearLegacy(vertical, height: count, width: 1)
            XCTAssertEqual(tall.shape, [count, 1, 3])
            XCTAssertEqual(stride(from: 0, to: tall.count, by: 3).map { tall.data[$0] }, values)
        }
        // Not the half-pixel method (TF2 default), which would give [1.6666669, 15, 28.333336].
        XCTAssertEqual(SeedPreprocessing.resizeBilinearLegacy(horizontal, height: 1, width: 3).data[3], 13.333334)
    }

    func testSameSizeResizeIsAnExactCopy() {
        var generator = SeededGenerator(seed: 1)
        let image = randomImage(height: 37, width: 53, using: &generator)
        let resized = SeedPreprocessing.resizeBilinearLegacy(image, height: 37, width: 53)
        XCTAssertEqual(resized.shape, [37, 53, 3])
        XCTAssertEqual(resized.data, image.pixels.map(Float.init))
    }

    func testResizeMatchesTheSpecFormulaPerPixel() {
        var generator = SeededGenerator(seed: 2)
        let cases = [(13, 17, 40, 29), (40, 29, 13, 17), (102, 31, 897, 273), (9, 9, 9, 23), (1, 5, 4, 7), (6, 1, 2, 3)]
        for (inH, inW, outH, outW) in cases {
            let image = randomImage(height: inH, width: inW, using: &generator)
            let resized = SeedPreprocessing.resizeBilinearLegacy(image, height: outH, width: outW)
            XCTAssertEqual(resized.data, referenceResize(image, height: outH, width: outW),
                           "\(inH)×\(inW) → \(outH)×\(outW)")
        }
    }

    func testCenterCropEqualsResizeThenCropBitForBit() {
        var generator = SeededGenerator(seed: 3)
        // Upscaling, downscaling, the S+1 short side (102, 104 → S+1 for S = 224), square, portrait.
        let cases = [(40, 61, 64), (150, 97, 64), (102, 157, 224), (131, 104, 224), (80, 80, 96), (300, 200, 100)]
        for (height, width, size) in cases {
            let image = randomImage(height: height, width: width, using: &generator)
            let target = SeedPreprocessing.resizedSize(height: height, width: width, imageSize: size)
            let full = SeedPreprocessing.resizeBilinearLegacy(image, height: target.height, width: target.width)
            var expected = [Float]()
            for y in target.top ..< target.top + size {
                let start = (y * target.width + target.left) * 3
                expected += full.data[start ..< start + size * 3]
            }
            let crop = SeedPreprocessing.centerCrop(image, imageSize: size)
            XCTAssertEqual(crop.shape, [size, size, 3])
            XCTAssertEqual(crop.data, expected, "\(height)×\(width) at S = \(size)")
        }
    }

    // MARK: SPEC §1.5 multi-scale

    func testDecimateKeepsEveryFactorthPixel() {
        let tensor = Tensor(shape: [8, 12, 3], data: (0 ..< 288).map(Float.init))
        for factor in [1, 2, 4] {
            let out = SeedPreprocessing.decimate(tensor, factor: factor)
            XCTAssertEqual(out.shape, [8 / factor, 12 / factor, 3])
            for i in 0 ..< 8 / factor {
                for j in 0 ..< 12 / factor {
                    for c in 0 ..< 3 {
                        XCTAssertEqual(out[i, j, c], tensor[factor * i, factor * j, c])
                    }
                }
            }
        }
        let batch = Tensor(shape: [2, 4, 4, 2], data: (0 ..< 64).map(Float.init))
        let out = SeedPreprocessing.decimate(batch, factor: 2)
        XCTAssertEqual(out.shape, [2, 2, 2, 2])
        XCTAssertEqual(out[1, 1, 0, 1], batch[1, 2, 0, 1])
        XCTAssertEqual(out[1, 1, 1, 0], batch[1, 2, 2, 0])
    }

    func testDecimationEqualsTheSeedsLegacyResizeByExactFactors() {
        // The seed resizes S to S//2 and S//4; with integral inputs the legacy kernel can be run on
        // an RGBImage, and its output must be the decimation of the same-size float copy.
        var generator = SeededGenerator(seed: 4)
        let image = randomImage(height: 32, width: 32, using: &generator)
        let same = SeedPreprocessing.resizeBilinearLegacy(image, height: 32, width: 32)
        for factor in [2, 4] {
            let resized = SeedPreprocessing.resizeBilinearLegacy(image, height: 32 / factor, width: 32 / factor)
            XCTAssertEqual(resized, SeedPreprocessing.decimate(same, factor: factor))
        }
    }

    func testMultiScaleCountsFollowTheSeed() {
        XCTAssertEqual(SeedPreprocessing.multiScaleCount(imageSize: 896), 3)
        XCTAssertEqual(SeedPreprocessing.multiScaleCount(imageSize: 1024), 3)
        XCTAssertEqual(SeedPreprocessing.multiScaleCount(imageSize: 448), 2)
        XCTAssertEqual(SeedPreprocessing.multiScaleCount(imageSize: 224), 1)
        XCTAssertNil(SeedPreprocessing.multiScaleCount(imageSize: 512))
        let expected = [896: [896, 448, 224], 1024: [1024, 512, 256], 448: [448, 224], 224: [224]]
        for (size, sizes) in expected {
            let input = Tensor(shape: [size, size, 3], repeating: 1)
            let scales = SeedPreprocessing.multiScaleInputs(input, imageSize: size)
            XCTAssertEqual(scales.map { $0.shape }, sizes.map { [$0, $0, 3] }, "S = \(size)")
        }
        let batch = Tensor(shape: [2, 448, 448, 3], repeating: 0)
        XCTAssertEqual(SeedPreprocessing.multiScaleInputs(batch, imageSize: 448).map { $0.shape },
                       [[2, 448, 448, 3], [2, 224, 224, 3]])
    }

    // MARK: SPEC §1.4 normalisation

    func testNormalizationPresetsAndHook() {
        XCTAssertEqual(InputNormalization.seed.mean, [124, 117, 104])
        XCTAssertEqual(InputNormalization.seed.std, [1, 1, 1])
        XCTAssertEqual(InputNormalization.efficientNetLite, InputNormalization(mean: [127, 127, 127], std: [128, 128, 128]))

        let pixels: [Float] = [0, 0, 0, 255, 255, 255, 124.5, 117, 103.25]
        var seed = Tensor(shape: [1, 3, 3], data: pixels)
        SeedPreprocessing.normalize(&seed, .seed)
        XCTAssertEqual(seed.data, [-124, -117, -104, 131, 138, 151, 0.5, 0, -0.75])

        var lite = Tensor(shape: [3, 3], data: pixels)
        SeedPreprocessing.normalize(&lite, .efficientNetLite)
        XCTAssertEqual(Array(lite.data[0 ..< 6]), [-0.9921875, -0.9921875, -0.9921875, 1, 1, 1])

        var custom = Tensor(shape: [2, 2], data: [10, 10, 20, 20])
        SeedPreprocessing.normalize(&custom, InputNormalization(mean: [10, 0], std: [2, 4]))
        XCTAssertEqual(custom.data, [0, 2.5, 5, 5])

        // A BGR network: channels reversed per pixel, mean/std given in B, G, R order.
        var bgr = Tensor(shape: [1, 3], data: [200, 100, 50])
        SeedPreprocessing.normalize(&bgr, InputNormalization(mean: [10, 20, 30], std: [1, 2, 4], channelOrder: .bgr))
        XCTAssertEqual(bgr.data, [40, 40, 42.5])
    }

    // MARK: Helpers

    /// SPEC §1.3 written out per output value, the way the formula reads.
    private func referenceResize(_ image: RGBImage, height: Int, width: Int) -> [Float] {
        let scaleY = Float(image.height) / Float(height), scaleX = Float(image.width) / Float(width)
        var out = [Float]()
        for i in 0 ..< height {
            let y = Float(i) * scaleY
            let y0 = Int(y.rounded(.down)), y1 = min(y0 + 1, image.height - 1)
            let ly = y - Float(y0)
            for j in 0 ..< width {
                let x = Float(j) * scaleX
                let x0 = Int(x.rounded(.down)), x1 = min(x0 + 1, image.width - 1)
                let lx = x - Float(x0)
                for c in 0 ..< 3 {
                    let tl = Float(image[y0, x0, c]), tr = Float(image[y0, x1, c])
                    let bl = Float(image[y1, x0, c]), br = Float(image[y1, x1, c])
                    let top = tl + (tr - tl) * lx
                    let bottom = bl + (br - bl) * lx
                    out.append(top + (bottom - top) * ly)
                }
            }
        }
        return out
    }

    private func randomImage(height: Int, width: Int, using generator: inout SeededGenerator) -> RGBImage {
        RGBImage(width: width, height: height,
                 pixels: (0 ..< height * width * 3).map { _ in UInt8.random(in: 0 ... 255, using: &generator) })
    }
}


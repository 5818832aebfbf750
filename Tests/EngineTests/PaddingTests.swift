import MirrorCore
import XCTest

/// TF padding arithmetic (SPEC §2 examples), independent of any engine.
final class PaddingTests: XCTestCase {
    private func axis(_ padding: Padding, input: Int, kernel: Int, stride: Int) -> AxisWindow {
        padding.resolve(inputHeight: input, inputWidth: input, kernelHeight: kernel, kernelWidth: kernel,
                        stride: stride).height
    }

    func testSPECExamplesForSame() {
        XCTAssertEqual(axis(.same, input: 224, kernel: 3, stride: 2), AxisWindow(output: 112, padBefore: 0, padAfter: 1))
        XCTAssertEqual(axis(.same, input: 10, kernel: 4, stride: 1), AxisWindow(output: 10, padBefore: 1, padAfter: 2))
        XCTAssertEqual(axis(.same, input: 10, kernel: 5, stride: 1), AxisWindow(output: 10, padBefore: 2, padAfter: 2))
        XCTAssertEqual(axis(.same, input: 7, kernel: 1, stride: 2), AxisWindow(output: 4, padBefore: 0, padAfter: 0))
        XCTAssertEqual(axis(.same, input: 448, kernel: 3, stride: 2), AxisWindow(output: 224, padBefore: 0, padAfter: 1))
        // EfficientNet-Lite0 at 224: stem 3×3/s2 pads (0,1); a 5×5/s2 on 56 pads (1,2) (SPEC §6.4).
        XCTAssertEqual(axis(.same, input: 56, kernel: 5, stride: 2), AxisWindow(output: 28, padBefore: 1, padAfter: 2))
    }

    func testSeedConv1IsExplicitPadThreeThenValid() {
        // tf.pad by 3, then 7×7/s2 VALID: out = floor((in + 6 − 7)/2) + 1.
        for (input, output) in [(896, 448), (448, 224), (224, 112)] {
            XCTAssertEqual(axis(.explicit(3), input: input, kernel: 7, stride: 2),
                           AxisWindow(output: output, padBefore: 3, padAfter: 3))
        }
        // SAME would pad (2,3) instead: the seed's grid is shifted by one pixel.
        XCTAssertEqual(axis(.same, input: 224, kernel: 7, stride: 2), AxisWindow(output: 112, padBefore: 2, padAfter: 3))
    }

    func testValidAndAsymmetricExplicit() {
        XCTAssertEqual(axis(.valid, input: 7, kernel: 7, stride: 1), AxisWindow(output: 1, padBefore: 0, padAfter: 0))
        XCTAssertEqual(axis(.valid, input: 8, kernel: 3, stride: 2), AxisWindow(output: 3, padBefore: 0, padAfter: 0))
        let window = Padding.explicit(top: 0, bottom: 2, left: 1, right: 0)
            .resolve(inputHeight: 9, inputWidth: 7, kernelHeight: 3, kernelWidth: 3, stride: 2)
        XCTAssertEqual(window.height, AxisWindow(output: 5, padBefore: 0, padAfter: 2))
        XCTAssertEqual(window.width, AxisWindow(output: 3, padBefore: 1, padAfter: 0))
    }
}

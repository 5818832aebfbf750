import MirrorCore
import MirrorRetrieval
import XCTest

/// The R-MAC grid against SPEC §3, whose (k, s, n) table and region counts were measured on
/// TensorFlow's max_pool with the seed's `_rmac`.
final class RMACGridTests: XCTestCase {
    func testAxisTableFromTheSpec() {
        // H: [step1, step2, step3, step5] as (k, s, n), nil = skipped.
        let table: [Int: [(Int, Int, Int)?]] = [
            28: [(28, 1, 1), (18, 10, 2), (14, 7, 3), (8, 5, 5)],
            22: [(22, 1, 1), (14, 8, 2), (10, 6, 3), (6, 4, 5)],
            14: [(14, 1, 1), (8, 6, 2), (6, 4, 3), (4, 2, 6)],
            11: [(11, 1, 1), (6, 5, 2), (4, 3, 3), (2, 2, 5)],
            8: [(8, 1, 1), (4, 4, 2), (4, 2, 3), (2, 1, 7)],
            7: [(7, 1, 1), (4, 3, 2), (2, 2, 3), (2, 1, 6)],
            5: [(5, 1, 1), (2, 3, 2), (2, 1, 4), nil],
            1: [(1, 1, 1), nil, nil, nil],
        ]
        for (extent, rows) in table {
            for (step, expected) in zip([1, 2, 3, 5], rows) {
                let got = RMACGrid.axis(extent: extent, step: step)
                XCTAssertEqual(got?.window, expected?.0, "H=\(extent) step=\(step)")
                XCTAssertEqual(got?.stride, expected?.1, "H=\(extent) step=\(step)")
                XCTAssertEqual(got?.count, expected?.2, "H=\(extent) step=\(step)")
            }
        }
    }

    func testRegionCountsOfTheSeedConfigurations() {
        func count(_ sizes: [Int], _ steps: [Int]) -> Int {
            sizes.map { RMACGrid.regions(height: $0, width: $0, steps: steps).count }.reduce(0, +)
        }
        XCTAssertEqual(count([22], [1, 3, 5]), 35)         // ResNet-50 single scale
        XCTAssertEqual(count([22, 8, 1], [1, 3, 5]), 95)   // ResNet-50 multi-scale
        XCTAssertEqual(count([22, 8, 1], [1, 2]), 11)
        XCTAssertEqual(count([28], [1, 3, 5]), 35)         // GoogLeNet
        XCTAssertEqual(count([28, 14, 7], [1, 3, 5]), 127)
        XCTAssertEqual(count([28, 14, 7], [1, 2]), 15)
        XCTAssertEqual(RMACGrid.effectiveSteps([1, 3, 5], imageSize: 224), [1])
        XCTAssertEqual(RMACGrid.effectiveSteps([1, 3, 5], imageSize: 896), [1, 3, 5])
    }

    func testRegionOrderIsStepThenRowMajor() {
        let regions = RMACGrid.regions(height: 7, width: 7, steps: [1, 2])
        XCTAssertEqual(regions.map { [$0.top, $0.left, $0.height] },
                       [[0, 0, 7], [0, 0, 4], [0, 3, 4], [3, 0, 4], [3, 3, 4]])
    }

    /// Pooling against a direct per-region loop written independently from the definition.
    func testPoolingMatchesDirectMaxAndMean() {
        let (h, w, d) = (9, 9, 5)
        var state: UInt32 = 12345
        let values = (0..<(h * w * d)).map { _ -> Float in
            state = state &* 1664525 &+ 1013904223
            return Float(Int(state >> 8) % 2001 - 1000) / 100
        }
        let map = Tensor(shape: [1, h, w, d], data: values)
        for mode in RegionalPoolingMode.allCases {
            let pooled = RegionalPooling.pool(map, steps: [1, 2, 3], mode: mode)
            let regions = RMACGrid.regions(height: h, width: w, steps: [1, 2, 3])
            XCTAssertEqual(pooled.shape, [d, regions.count])
            for (r, region) in regions.enumerated() {
                for c in 0..<d {
                    var cells: [Float] = []
                    for y in region.top..<region.top + region.height {
                        for x in region.left..<region.left + region.width { cells.append(values[(y * w + x) * d + c]) }
                    }
                    let expected = mode == .max ? cells.max()! : cells.reduce(0, +) / Float(cells.count)
                    XCTAssertEqual(pooled[c, r], expected, accuracy: mode == .max ? 0 : 1e-5)
                }
            }
        }
    }

    func testAllNegativeMapKeepsNegativeMaxima() {
        let map = Tensor(shape: [2, 2, 1], data: [-5, -3, -4, -9])
        XCTAssertEqual(RegionalPooling.pool(map, steps: [1], mode: .max).data, [-3])
    }
}

import Foundation
@testable import MirrorModels
import MirrorCore
import TestSupport
import XCTest

/// The PyTorch reader against files written by `torch.save` in both formats: listing (with the
/// saved strides and storage offsets) and every value bit for bit against `torch.load`.
final class TorchStateDictTests: XCTestCase {
    private func checkEveryTensor(_ folder: String, file: String, format: TorchStateDict.Format) throws -> TorchStateDict {
        let dict = try TorchStateDict.load(CheckpointFixtures.path("\(folder)/\(file)"))
        XCTAssertEqual(dict.format, format)
        let expected = try CheckpointFixtures.expectations(folder)
        XCTAssertEqual(dict.listTensors().map(\.name), expected.map(\.name), "\(folder): listing order")
        for (info, row) in zip(dict.listTensors(), expected) {
            XCTAssertEqual(info.dtype.description, row.dtype, row.name)
            XCTAssertEqual(info.shape, row.shape, row.name)
            XCTAssertEqual(info.strides, row.strides, row.name)
            XCTAssertEqual(info.storageOffset, row.storageOffset, row.name)
            let tensor = try dict.tensor(named: row.name)
            XCTAssertEqual(tensor.shape, row.shape, row.name)
            XCTAssertBitwiseEqual(tensor.data, row.values, "\(folder)/\(row.name)")
        }
        XCTAssertEqual(dict.nonTensorKeys, [])
        return dict
    }

    func testZipFormatEveryTensorIncludingViews() throws {
        let dict = try checkEveryTensor("torch_zip", file: "zip_sd.pth", format: .zip)
        // The fixture really exercises views: HWIO-stored conv, transposed fc, offsets, stride 0.
        XCTAssertEqual(try dict.info(named: "0.weight").strides, [1, 4, 36, 12])
        XCTAssertEqual(try dict.info(named: "shared.row").storageOffset, 10)
        XCTAssertEqual(try dict.info(named: "shared.row").storageKey, try dict.info(named: "shared.base").storageKey)
        XCTAssertEqual(try dict.info(named: "expanded").strides, [0, 1])
        XCTAssertEqual(try dict.tensor(named: "expanded").data, [0, 1, 2, 0, 1, 2])
        XCTAssertEqual(try dict.info(named: "1.num_batches_tracked").shape, [])
        XCTAssertEqual(try dict.tensor(named: "1.num_batches_tracked").data, [7])
    }

    func testLegacyFormatEveryTensorIncludingViews() throws {
        let dict = try checkEveryTensor("torch_legacy", file: "legacy_sd.pth", format: .legacy)
        XCTAssertEqual(try dict.info(named: "3.weight").strides, [1, 5])
        XCTAssertEqual(try dict.info(named: "shared.col").storageOffset, 8)
    }

    func testStridedGatherOfAPermutedView() {
        // A 2×3×2 storage read as its (2,0,1) permutation: shape [2,2,3], strides [1,6,2].
        let values = (0..<12).map(Float.init)
        let bytes = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
        let gathered = TorchStateDict.gather(bytes, dtype: .float32, offset: 0, shape: [2, 2, 3], strides: [1, 6, 2], count: 12)
        XCTAssertEqual(gathered, [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11])
        XCTAssertEqual(TorchStateDict.gather(bytes, dtype: .float32, offset: 5, shape: [], strides: [], count: 1), [5])
        XCTAssertEqual(TorchStateDict.gather(bytes, dtype: .float32, offset: 1, shape: [3], strides: [4], count: 3), [1, 5, 9])
    }

    func testUnknownTensorNamesTheFile() throws {
        let path = CheckpointFixtures.path("torch_zip/zip_sd.pth")
        let dict = try TorchStateDict.load(path)
        XCTAssertThrowsError(try dict.tensor(named: "missing")) {
            XCTAssertEqual($0 as? TorchError, .unknownTensor(path: path, name: "missing"))
        }
    }
}

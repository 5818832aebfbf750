import Foundation
@testable import MirrorModels
import MirrorCore
import TestSupport
import XCTest

/// The TensorFlow bundle reader against checkpoints written by TensorFlow itself
/// (Fixtures/scripts/make_checkpoint_fixtures.py): listing, every value bit for bit, the SPEC's
/// worked bytes and the ways a checkpoint can be named.
final class TFCheckpointTests: XCTestCase {
    /// Opens a fixture and checks the listing and every tensor against `expected.tsv`/`.npy`.
    @discardableResult
    private func checkEveryTensor(_ folder: String, open: String) throws -> TFCheckpoint {
        let checkpoint = try TFCheckpoint.open(CheckpointFixtures.path(open))
        let expected = try CheckpointFixtures.expectations(folder)
        let listed = checkpoint.listTensors()
        XCTAssertEqual(listed.map(\.name), expected.map(\.name), "\(folder): listing order")
        for (info, row) in zip(listed, expected) {
            XCTAssertEqual(info.dtype.description, row.dtype, row.name)
            XCTAssertEqual(info.shape, row.shape, row.name)
            if let strings = row.strings {
                XCTAssertEqual(try checkpoint.strings(named: row.name), strings, row.name)
                XCTAssertThrowsError(try checkpoint.tensor(named: row.name)) {
                    XCTAssertEqual($0 as? TFCheckpointError, .notNumeric(path: checkpoint.indexPath, name: row.name, dtype: .string))
                }
            } else {
                let tensor = try checkpoint.tensor(named: row.name)
                XCTAssertEqual(tensor.shape, row.shape, row.name)
                XCTAssertBitwiseEqual(tensor.data, row.values, "\(folder)/\(row.name)")
            }
        }
        return checkpoint
    }

    func testThinResNet50HasTheSeedNamesAndEveryValue() throws {
        let checkpoint = try checkEveryTensor("tf_resnet50_thin", open: "tf_resnet50_thin")
        let names = Set(checkpoint.listTensors().map(\.name))
        let model = names.filter { !$0.hasSuffix("/Momentum") && $0 != "global_step" }
        XCTAssertEqual(model.count, 266)
        for name in ["conv1/kernel", "conv1/bias", "bn_conv1/moving_variance", "res2a_branch1/kernel",
                     "bn5c_branch2c/gamma", "res4f_branch2b/kernel"] {
            XCTAssertTrue(model.contains(name), name)
        }
        XCTAssertEqual(try checkpoint.info(named: "res2a_branch2b/kernel").shape.count, 4)
        XCTAssertEqual(try checkpoint.info(named: "global_step").dtype, .int64)
        let step = try checkpoint.rawBytes(named: "global_step")
        XCTAssertEqual(step.enumerated().reduce(0) { $0 | Int64($1.element) << (8 * Int64($1.offset)) }, 720_000)
    }

    func testThinGoogLeNetHasTheSeedNamesAndEveryValue() throws {
        let checkpoint = try checkEveryTensor("tf_googlenet_thin", open: "tf_googlenet_thin/model.ckpt-5")
        let model = checkpoint.listTensors().map(\.name).filter {
            !["/Adam", "/Adam_1", "/ExponentialMovingAverage"].contains(where: $0.hasSuffix)
                && !["global_step", "beta1_power", "beta2_power"].contains($0)
        }
        XCTAssertEqual(model.count, 120)
        XCTAssertTrue(model.contains("inception_5b_pool_proj/bias"))
        XCTAssertTrue(model.contains("inception_4d_loss/kernel"))
    }

    func testEveryDTypeConvertsLikeNumPy() throws {
        let checkpoint = try checkEveryTensor("tf_dtypes", open: "tf_dtypes/dtypes")
        let dtypes = Set(checkpoint.listTensors().map(\.dtype.description))
        XCTAssertEqual(dtypes, ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
                                "uint8", "bool", "string"])
        XCTAssertEqual(try checkpoint.tensor(named: "float/scalar").shape, [])
        XCTAssertEqual(try checkpoint.tensor(named: "float/empty").shape, [0, 3])
        // int64 rounds to the nearest float32 (documented precision loss); the raw bytes are exact.
        XCTAssertEqual(try checkpoint.tensor(named: "int64/values").data[3], 9_007_199_254_740_992)
    }

    func testShardedCheckpointSpanningSeveralIndexBlocks() throws {
        let checkpoint = try checkEveryTensor("tf_sharded", open: "tf_sharded/sharded.index")
        XCTAssertEqual(checkpoint.shardCount, 3)
        XCTAssertEqual(checkpoint.indexBlockCount, 2)  // 262,214 + 117,182 bytes
        XCTAssertEqual(checkpoint.listTensors().count, 1802)
    }

    func testWorkedExampleBytesOfSpec() throws {
        let checkpoint = try checkEveryTensor("tf_worked_example", open: "tf_worked_example")
        let bytes = try AtomicFile.read(checkpoint.indexPath)
        // Header entry `00 00 06 | 08 01 1a 02 08 01`, then `00 0d 0f "bn_conv1/beta" | 08 01 12 04 12 02 08 04 28 10 35 <crc>`.
        XCTAssertEqual(Array(bytes[0..<9]), [0x00, 0x00, 0x06, 0x08, 0x01, 0x1A, 0x02, 0x08, 0x01])
        XCTAssertEqual(Array(bytes[9..<12]), [0x00, 0x0D, 0x0F])
        XCTAssertEqual(String(decoding: bytes[12..<25], as: UTF8.self), "bn_conv1/beta")
        XCTAssertEqual(Array(bytes[25..<36]), [0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x04, 0x28, 0x10, 0x35])
        // `09 05 11 "gamma" | … 20 10 …` (shares 9 bytes "bn_conv1/", offset 16).
        XCTAssertEqual(Array(bytes[40..<43]), [0x09, 0x05, 0x11])
        XCTAssertEqual(String(decoding: bytes[43..<48], as: UTF8.self), "gamma")
        XCTAssertEqual(Array(bytes[48..<60]), [0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x04, 0x20, 0x10, 0x28, 0x10])

        // Footer: metaindex handle, index handle, zero padding to byte 40, magic LE.
        let footer = try TFIndexTable.footer(of: bytes, path: checkpoint.indexPath)
        XCTAssertEqual(Array(bytes.suffix(8)), [0x57, 0xFB, 0x80, 0x8B, 0x24, 0x75, 0x47, 0xDB])
        XCTAssertEqual(footer.metaindex.size, 8)  // empty block: one restart (0) + count 1
        XCTAssertEqual(footer.index.offset, footer.metaindex.offset + 8 + 5)
        XCTAssertEqual(footer.index.offset + footer.index.size + 5, bytes.count - 48)
        let index = try TFIndexTable.blockEntries(bytes, footer.index, path: "")
        XCTAssertEqual(index.map { String(decoding: $0.key, as: UTF8.self) }, ["{"])  // successor of "zz_str"
        XCTAssertEqual(index[0].value, [0x00] + varint(footer.metaindex.offset - 5))  // data block (0, size)
        let data = try TFIndexTable.blockEntries(bytes, .init(offset: 0, size: footer.metaindex.offset - 5), path: "")
        XCTAssertEqual(data.count, 9)

        let kernel = try checkpoint.info(named: "conv1/kernel")
        XCTAssertEqual(kernel.shape, [7, 7, 3, 4])
        XCTAssertEqual(try checkpoint.rawBytes(named: "conv1/kernel").count, 2352)
        XCTAssertEqual(try checkpoint.rawBytes(named: "global_step").count, 8)
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = value, out: [UInt8] = []
        while value >= 0x80 { out.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
        return out + [UInt8(value)]
    }

    // MARK: naming a checkpoint

    func testResolvesPrefixFilesFoldersAndSteps() throws {
        let folder = CheckpointFixtures.path("tf_resnet50_thin")
        let prefix = folder + "/model.ckpt-720000"
        XCTAssertEqual(try TFCheckpoint.resolvePrefix(prefix), prefix)
        XCTAssertEqual(try TFCheckpoint.resolvePrefix(prefix + ".index"), prefix)
        XCTAssertEqual(try TFCheckpoint.resolvePrefix(prefix + ".data-00000-of-00001"), prefix)
        XCTAssertEqual(try TFCheckpoint.resolvePrefix(folder), prefix)
        XCTAssertEqual(try TFCheckpoint.resolvePrefix(folder + "/checkpoint"), prefix)
        XCTAssertEqual(try TFCheckpoint.open(prefix: folder + "/model.ckpt", step: 720_000).prefix, prefix)
        XCTAssertThrowsError(try TFCheckpoint.open(prefix: folder + "/model.ckpt", step: 5)) {
            guard case .cannotResolve(let path, _)? = $0 as? TFCheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, folder + "/model.ckpt-5")
        }
    }

    func testCheckpointStateFileWithAbsoluteAndQuotedPaths() throws {
        let directory = try TestPaths.makeTemporaryDirectory("mirror-ckpt")
        defer { try? FileManager.default.removeItem(at: directory) }
        let prefix = CheckpointFixtures.path("tf_googlenet_thin/model.ckpt-5")
        try "model_checkpoint_path: \"\(prefix)\"\nall_model_checkpoint_paths: \"x\"\n"
            .write(to: directory.appendingPathComponent("checkpoint"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try TFCheckpoint.open(directory.path).listTensors().count, 130)
        XCTAssertEqual(TFCheckpoint.unquote(#""a\"b\\c\101""#), "a\"b\\cA")
        XCTAssertEqual(TFCheckpoint.unquote("'single'"), "single")
        XCTAssertNil(TFCheckpoint.unquote("unquoted"))

        let empty = try TestPaths.makeTemporaryDirectory("mirror-ckpt")
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try TFCheckpoint.open(empty.path)) {
            guard case .cannotResolve(let path, let reason)? = $0 as? TFCheckpointError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, empty.path)
            XCTAssertTrue(reason.contains("no 'checkpoint' file"), reason)
        }
        try "garbage\n".write(to: empty.appendingPathComponent("checkpoint"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TFCheckpoint.open(empty.path)) {
            XCTAssertTrue("\($0)".contains("no model_checkpoint_path"), "\($0)")
        }
    }

    func testUnknownTensorNamesTheIndex() throws {
        let checkpoint = try TFCheckpoint.open(CheckpointFixtures.path("tf_dtypes/dtypes"))
        XCTAssertThrowsError(try checkpoint.tensor(named: "nope")) {
            XCTAssertEqual($0 as? TFCheckpointError, .unknownTensor(path: checkpoint.indexPath, name: "nope"))
        }
    }
}

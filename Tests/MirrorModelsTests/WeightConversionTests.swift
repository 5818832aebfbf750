import Foundation
@testable import MirrorModels
import MirrorCore
import TestSupport
import XCTest

/// The name/layout rule tables: seed TF names pass through minus non-model variables;
/// EfficientNet-Lite0's PyTorch keys become mirror's names with HWIO / [in,out] kernels.
final class WeightConversionTests: XCTestCase {
    // MARK: TensorFlow

    func testSeedResNet50KeepsTheModelAndDropsTrainingState() throws {
        let checkpoint = try TFCheckpoint.open(CheckpointFixtures.path("tf_resnet50_thin"))
        let converted = try WeightConversion.convert(tf: checkpoint)
        XCTAssertEqual(converted.tensors.count, 266)
        XCTAssertEqual(converted.dropped, ["bn_conv1/gamma/Momentum", "conv1/bias/Momentum", "conv1/kernel/Momentum", "global_step"])
        for row in try CheckpointFixtures.expectations("tf_resnet50_thin") where !converted.dropped.contains(row.name) {
            let tensor = try XCTUnwrap(converted.tensors[row.name], row.name)
            XCTAssertEqual(tensor.shape, row.shape, row.name)
            XCTAssertBitwiseEqual(tensor.data, row.values, row.name)
        }
    }

    func testSeedGoogLeNetDropsAdamAndMovingAverages() throws {
        let converted = try WeightConversion.load(CheckpointFixtures.path("tf_googlenet_thin"))
        XCTAssertEqual(converted.tensors.count, 120)
        XCTAssertEqual(Set(converted.dropped), [
            "beta1_power", "beta2_power", "global_step", "conv1_7x7_s2/bias/ExponentialMovingAverage",
            "conv1_7x7_s2/kernel/Adam", "conv1_7x7_s2/kernel/Adam_1", "conv1_7x7_s2/bias/Adam", "conv1_7x7_s2/bias/Adam_1",
            "conv2_3x3_reduce/kernel/Adam", "conv2_3x3_reduce/kernel/Adam_1",
        ])
        XCTAssertEqual(converted.tensors["inception_4d_loss/kernel"]?.rank, 4)
    }

    func testStringTensorsAreDroppedNotFatal() throws {
        let converted = try WeightConversion.convert(tf: TFCheckpoint.open(CheckpointFixtures.path("tf_dtypes/dtypes")))
        XCTAssertEqual(converted.dropped, ["string/scalar", "string/vector"])
        XCTAssertEqual(converted.tensors.count, 14)
    }

    func testTensorFlowDropTable() {
        for name in ["global_step", "beta1_power", "beta2_power", "res2a_branch1/kernel/Momentum", "conv1/bias/Adam",
                     "conv1/bias/Adam_1", "bn_conv1/gamma/ExponentialMovingAverage", "_CHECKPOINTABLE_OBJECT_GRAPH"] {
            XCTAssertNil(WeightNameMapping.tensorFlowName(for: name), name)
        }
        for name in ["conv1/kernel", "bn5c_branch2c/moving_variance", "inception_5b_pool_proj/bias", "fc1000/kernel",
                     "Momentum/kernel", "global_step_2"] {
            XCTAssertEqual(WeightNameMapping.tensorFlowName(for: name), name)
        }
    }

    // MARK: EfficientNet-Lite0

    /// The 296 keys and shapes of efficientnet-lite0-57934424.pth (SPEC §6.4), each value
    /// encoding its own flat index so that transposes can be checked element by element.
    private func syntheticLite0() -> [String: Tensor] { Self.lite0 }

    private static let lite0: [String: Tensor] = {
        var tensors: [String: Tensor] = [:]
        var serial: Float = 0
        func add(_ name: String, _ shape: [Int]) {
            let count = shape.reduce(1, *)
            let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = Float(i) + serial }
                initialized = count
            }
            tensors[name] = Tensor(shape: shape, data: data)
            serial += 0.5
        }
        func batchNorm(_ prefix: String, _ channels: Int) {
            for parameter in ["weight", "bias", "running_mean", "running_var"] { add("\(prefix).\(parameter)", [channels]) }
            tensors["\(prefix).num_batches_tracked"] = Tensor(shape: [], data: [0])
        }
        add("_conv_stem.weight", [32, 3, 3, 3])
        batchNorm("_bn0", 32)
        let stages: [(blocks: Int, kernel: Int, expand: Int, output: Int)] = [
            (1, 3, 1, 16), (2, 3, 6, 24), (2, 5, 6, 40), (3, 3, 6, 80), (3, 5, 6, 112), (4, 5, 6, 192), (1, 3, 6, 320),
        ]
        var block = 0, input = 32
        for stage in stages {
            for _ in 0..<stage.blocks {
                let expanded = input * stage.expand
                if stage.expand != 1 {
                    add("_blocks.\(block)._expand_conv.weight", [expanded, input, 1, 1])
                    batchNorm("_blocks.\(block)._bn0", expanded)
                }
                add("_blocks.\(block)._depthwise_conv.weight", [expanded, 1, stage.kernel, stage.kernel])
                batchNorm("_blocks.\(block)._bn1", expanded)
                add("_blocks.\(block)._project_conv.weight", [stage.output, expanded, 1, 1])
                batchNorm("_blocks.\(block)._bn2", stage.output)
                block += 1
                input = stage.output
            }
        }
        add("_conv_head.weight", [1280, 320, 1, 1])
        batchNorm("_bn1", 1280)
        add("_fc.weight", [1000, 1280])
        add("_fc.bias", [1000])
        return tensors
    }()

    func testEfficientNetLite0NamesShapesAndTransposes() throws {
        let source = syntheticLite0()
        XCTAssertEqual(source.count, 296)
        let parameters = source.filter { !$0.key.contains("running_") && !$0.key.hasSuffix("num_batches_tracked") }
            .values.reduce(0) { $0 + $1.count }
        XCTAssertEqual(parameters, 4_652_008)  // SPEC §6.4

        let converted = try WeightConversion.convert(torchTensors: source, net: .efficientNetLite0)
        XCTAssertEqual(converted.dropped.count, 49)
        XCTAssertTrue(converted.dropped.allSatisfy { $0.hasSuffix(".num_batches_tracked") })
        XCTAssertEqual(converted.tensors.count, 247)

        let expectedShapes: [String: [Int]] = [
            "stem/conv/kernel": [3, 3, 3, 32], "stem/bn/gamma": [32], "stem/bn/moving_variance": [32],
            "blocks_0/depthwise/conv/kernel": [3, 3, 1, 32], "blocks_0/project/conv/kernel": [1, 1, 32, 16],
            "blocks_1/expand/conv/kernel": [1, 1, 16, 96], "blocks_1/expand/bn/beta": [96],
            "blocks_1/depthwise/conv/kernel": [3, 3, 1, 96], "blocks_1/depthwise/bn/moving_mean": [96],
            "blocks_1/project/conv/kernel": [1, 1, 96, 24], "blocks_1/project/bn/gamma": [24],
            "blocks_15/depthwise/conv/kernel": [3, 3, 1, 1152], "blocks_15/project/conv/kernel": [1, 1, 1152, 320],
            "head/conv/kernel": [1, 1, 320, 1280], "head/bn/beta": [1280],
            "classifier/kernel": [1280, 1000], "classifier/bias": [1000],
        ]
        for (name, shape) in expectedShapes { XCTAssertEqual(converted.tensors[name]?.shape, shape, name) }
        XCTAssertNil(converted.tensors["blocks_0/expand/conv/kernel"])  // block 0 has no expansion

        // Element checks: HWIO[h,w,i,o] = OIHW[o,i,h,w]; dense [in,out][i,o] = [out,in][o,i].
        let stem = try XCTUnwrap(source["_conv_stem.weight"]), hwio = try XCTUnwrap(converted.tensors["stem/conv/kernel"])
        for o in 0..<32 { for i in 0..<3 { for h in 0..<3 { for w in 0..<3 {
            XCTAssertEqual(hwio[h, w, i, o], stem[o, i, h, w])
        } } } }
        let depthwise = try XCTUnwrap(source["_blocks.5._depthwise_conv.weight"])
        let depthwiseHWIO = try XCTUnwrap(converted.tensors["blocks_5/depthwise/conv/kernel"])
        XCTAssertEqual(depthwiseHWIO.shape, [3, 3, 1, 240])  // block 5 expands 40 → 240
        for c in stride(from: 0, to: 240, by: 7) { for h in 0..<3 { for w in 0..<3 {
            XCTAssertEqual(depthwiseHWIO[h, w, 0, c], depthwise[c, 0, h, w])
        } } }
        let fc = try XCTUnwrap(source["_fc.weight"]), kernel = try XCTUnwrap(converted.tensors["classifier/kernel"])
        for (o, i) in [(0, 0), (999, 1279), (3, 700), (512, 1)] { XCTAssertEqual(kernel[i, o], fc[o, i]) }
        XCTAssertEqual(converted.tensors["head/bn/moving_variance"]?.data, source["_bn1.running_var"]?.data)
        XCTAssertEqual(converted.tensors["blocks_12/project/bn/beta"]?.data, source["_blocks.12._bn2.bias"]?.data)
    }

    func testRulePatternsMatchOnlyBlockIndices() {
        XCTAssertEqual(WeightNameMapping.efficientNetLite0("_blocks.12._bn1.running_var")?.name, "blocks_12/depthwise/bn/moving_variance")
        XCTAssertEqual(WeightNameMapping.efficientNetLite0("_bn0.weight")?.name, "stem/bn/gamma")
        XCTAssertEqual(WeightNameMapping.efficientNetLite0("_bn1.bias")?.name, "head/bn/beta")
        XCTAssertEqual(WeightNameMapping.efficientNetLite0("_blocks.3._expand_conv.weight")?.layout, .oihwToHWIO)
        for name in ["_blocks.x._bn0.weight", "_blocks.01._bn0.weight", "_blocks.._bn0.weight", "module._fc.weight",
                     "_blocks.3._se_reduce.weight", "_fc.weight.extra", "_blocks.1._bn0.num_batches_tracked"] {
            XCTAssertNil(WeightNameMapping.efficientNetLite0(name), name)
        }
    }

    func testUnmappedAndMisshapenKeysAreReportedTogether() {
        var source = syntheticLite0()
        source["_blocks.3._se_reduce.weight"] = Tensor(shape: [1], data: [0])
        source["module.extra"] = Tensor(shape: [1], data: [0])
        XCTAssertThrowsError(try WeightConversion.convert(torchTensors: source, net: .efficientNetLite0, path: "lite0.pth")) {
            XCTAssertEqual($0 as? WeightConversionError,
                           .unmappedTensors(path: "lite0.pth", names: ["_blocks.3._se_reduce.weight", "module.extra"]))
            XCTAssertTrue("\($0)".contains("lite0.pth"))
        }
        let flat = ["_conv_stem.weight": Tensor(shape: [32, 27], repeating: 0)]
        XCTAssertThrowsError(try WeightConversion.convert(torchTensors: flat, net: .efficientNetLite0, path: "x.pth")) {
            XCTAssertEqual($0 as? WeightConversionError, .unexpectedRank(path: "x.pth", name: "_conv_stem.weight", shape: [32, 27], expectedRank: 4))
        }
    }

    func testRealTorchFileWithForeignNamesIsReported() throws {
        let path = CheckpointFixtures.path("torch_zip/zip_sd.pth")
        XCTAssertThrowsError(try WeightConversion.load(path)) {
            guard case .unmappedTensors(path, let names)? = $0 as? WeightConversionError else { return XCTFail("\($0)") }
            XCTAssertTrue(names.contains("0.weight"))
            XCTAssertFalse(names.contains("1.num_batches_tracked"))  // dropped by rule, not unmapped
        }
    }

    /// Lite0 stores its kernels HWIO and pickles them as transposed (O,I,kh,kw) views; reading the
    /// view and applying the rule must give back exactly the stored bytes' order.
    func testTransposedViewsInAPthConvertBackToTheirStorageOrder() throws {
        let stemStorage = (0..<864).map { Float($0) * 0.25 - 3 }
        let fcStorage = (0..<80).map { Float($0) + 0.5 }  // [in 8, out 10] row-major
        let bnStorage: [Float] = (0..<32).map(Float.init)
        func bytes(_ values: [Float]) -> [UInt8] { values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } } }
        var items: [(String, [UInt8])] = [
            ("_conv_stem.weight", TorchFileBuilder.tensor(key: "s", numel: 864, shape: [32, 3, 3, 3], strides: [1, 32, 288, 96], legacy: true)),
            ("_fc.weight", TorchFileBuilder.tensor(key: "f", numel: 80, shape: [10, 8], strides: [1, 10], legacy: true)),
        ]
        for parameter in ["weight", "bias", "running_mean", "running_var"] {
            items.append(("_bn0.\(parameter)", TorchFileBuilder.tensor(key: "b", numel: 32, shape: [32], strides: [1], legacy: true)))
        }
        items.append(("_bn0.num_batches_tracked", TorchFileBuilder.tensor(type: "LongStorage", key: "n", numel: 1, shape: [], strides: [], legacy: true)))
        let file = TorchFileBuilder.legacyFile(dict: TorchFileBuilder.stateDictPickle(items), storages: [
            ("b", 32, bytes(bnStorage)), ("f", 80, bytes(fcStorage)), ("n", 1, [UInt8](repeating: 0, count: 8)), ("s", 864, bytes(stemStorage)),
        ])
        let directory = try TestPaths.makeTemporaryDirectory("mirror-pth")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lite0-like.pth").path
        try Data(file).write(to: URL(fileURLWithPath: path))

        XCTAssertEqual(try CheckpointFormat.detect(path), .pyTorch(path: path))
        let converted = try WeightConversion.load(path, net: .efficientNetLite0)
        XCTAssertEqual(converted.dropped, ["_bn0.num_batches_tracked"])
        XCTAssertEqual(converted.tensors["stem/conv/kernel"]?.shape, [3, 3, 3, 32])
        XCTAssertBitwiseEqual(try XCTUnwrap(converted.tensors["stem/conv/kernel"]).data, stemStorage, "stem")
        XCTAssertEqual(converted.tensors["classifier/kernel"]?.shape, [8, 10])
        XCTAssertBitwiseEqual(try XCTUnwrap(converted.tensors["classifier/kernel"]).data, fcStorage, "fc")
        XCTAssertEqual(converted.tensors["stem/bn/moving_mean"]?.data, bnStorage)
    }

    // MARK: format detection

    func testDetectsTheFormatFromPathsAndMagic() throws {
        let folder = CheckpointFixtures.path("tf_resnet50_thin")
        let prefix = folder + "/model.ckpt-720000"
        for path in [folder, prefix, prefix + ".index", prefix + ".data-00000-of-00001", folder + "/checkpoint"] {
            XCTAssertEqual(try CheckpointFormat.detect(path), .tensorFlow(prefix: prefix), path)
        }
        for path in [CheckpointFixtures.path("torch_zip/zip_sd.pth"), CheckpointFixtures.path("torch_legacy/legacy_sd.pth")] {
            XCTAssertEqual(try CheckpointFormat.detect(path), .pyTorch(path: path))
        }
        let text = CheckpointFixtures.path("tf_resnet50_thin/expected.tsv")
        XCTAssertThrowsError(try CheckpointFormat.detect(text)) {
            guard case .unrecognizedFormat(text, _)? = $0 as? WeightConversionError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try CheckpointFormat.detect(folder + "/model.ckpt-1")) {
            guard case .unrecognizedFormat(_, let reason)? = $0 as? WeightConversionError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("no such file"), reason)
        }
        let empty = try TestPaths.makeTemporaryDirectory("mirror-ckpt")
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try CheckpointFormat.detect(empty.path)) {
            guard case .unrecognizedFormat(_, let reason)? = $0 as? WeightConversionError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("checkpoint"), reason)
        }
    }

    func testLayoutPermutations() {
        let t = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(WeightLayout.transposed.apply(t), Tensor(shape: [3, 2], data: [1, 4, 2, 5, 3, 6]))
        XCTAssertEqual(WeightLayout.unchanged.apply(t), t)
        let oihw = Tensor(shape: [2, 1, 1, 2], data: [1, 2, 3, 4])  // O=2, I=1, kh=1, kw=2
        XCTAssertEqual(WeightLayout.oihwToHWIO.apply(oihw), Tensor(shape: [1, 2, 1, 2], data: [1, 3, 2, 4]))
    }
}

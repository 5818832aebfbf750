import Engines
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// The shape test of each architecture: sizes from the layer arithmetic against SPEC §3, and the
/// weight tables against SPEC §7 / §6.4.
final class ArchitectureShapeTests: XCTestCase {
    func testFeatureMapSizesMatchTheSeedGraphs() {
        // SPEC §3 (measured on the seed's own graphs); Lite0 from the fixtures' head shapes.
        let expected: [Architecture: [Int: Int]] = [
            .resnet50: [896: 22, 448: 8, 224: 1],
            .googlenet: [896: 28, 448: 14, 224: 7],
            .efficientNetLite0: [896: 28, 448: 14, 224: 7, 300: 10],
        ]
        for (architecture, sizes) in expected {
            for (input, output) in sizes {
                XCTAssertEqual(architecture.featureMapSize(inputSize: input), output, "\(architecture) at \(input)")
            }
        }
    }

    func testMinimumInputSizes() {
        // ResNet: res5c = ceil(S/32) must reach pool5's 7×7 VALID window.
        XCTAssertEqual(Architecture.resnet50.minimumInputSize, 193)
        XCTAssertNil(Architecture.resnet50.featureMapSize(inputSize: 192))
        XCTAssertEqual(Architecture.resnet50.featureMapSize(inputSize: 193), 1)
        XCTAssertEqual(Architecture.googlenet.minimumInputSize, 1)
        XCTAssertEqual(Architecture.efficientNetLite0.minimumInputSize, 1)
        XCTAssertNil(Architecture.googlenet.featureMapSize(inputSize: 0))
    }

    func testTensorAndParameterCounts() {
        // SPEC §7: 266 / 120 tensors; 23,561,216 / 11,291,696 values. Lite0 (SPEC §6.4): the .pth's
        // 296 keys less 49 BN counters, 4,652,008 parameters without running statistics.
        let counts: [Architecture: (tensors: Int, values: Int, trainable: Int)] = [
            .resnet50: (266, 23_561_216, 23_508_096),
            .googlenet: (120, 11_291_696, 11_291_696),
            .efficientNetLite0: (247, 4_694_024, 4_652_008),
        ]
        for (architecture, count) in counts {
            XCTAssertEqual(architecture.expectedTensors.count, count.tensors, "\(architecture)")
            XCTAssertEqual(architecture.parameterCount, count.values, "\(architecture)")
            XCTAssertEqual(architecture.trainableParameterCount, count.trainable, "\(architecture)")
        }
    }

    func testFeatureChannelsNormalisationAndEpsilon() {
        XCTAssertEqual(Architecture.allCases.map(\.featureChannels), [2048, 1024, 1280])
        XCTAssertEqual(Architecture.allCases.map(\.rawValue), ["resnet-50", "googlenet", "efficientnet-lite0"])
        XCTAssertEqual(Architecture.resnet50.defaultNormalization, .seed)
        XCTAssertEqual(Architecture.googlenet.defaultNormalization, .seed)
        XCTAssertEqual(Architecture.efficientNetLite0.defaultNormalization, .efficientNetLite)
        XCTAssertEqual(Architecture.resnet50.bnEpsilon, Float(1.001e-5))
        XCTAssertEqual(Architecture.efficientNetLite0.bnEpsilon, Float(1e-3))
        XCTAssertEqual(Architecture.allCases.map(\.usesBatchNorm), [true, false, true])
        XCTAssertEqual(Architecture.allCases.map(\.hasClassifier), [false, false, true])
        for architecture in Architecture.allCases {
            let last = architecture.layerSummaries(height: 224, width: 224)!.last { $0.name == architecture.featureLayer }
            XCTAssertEqual(last?.shape.last, architecture.featureChannels, "\(architecture)")
        }
    }

    func testSeedTensorNamesAndShapes() {
        let resnet = Architecture.resnet50.expectedTensors
        XCTAssertEqual(resnet["conv1/kernel"], [7, 7, 3, 64])
        XCTAssertEqual(resnet["conv1/bias"], [64], "conv1 is biased in the seed's ResNet-50")
        XCTAssertEqual(resnet["bn_conv1/moving_variance"], [64])
        XCTAssertEqual(resnet["res2a_branch1/kernel"], [1, 1, 64, 256])
        XCTAssertEqual(resnet["res3a_branch2a/kernel"], [1, 1, 256, 128])
        XCTAssertEqual(resnet["res4f_branch2b/kernel"], [3, 3, 256, 256])
        XCTAssertEqual(resnet["res5c_branch2c/kernel"], [1, 1, 512, 2048])
        XCTAssertEqual(resnet["bn5c_branch2c/gamma"], [2048])
        XCTAssertNil(resnet["res2a_branch2a/bias"])
        XCTAssertNil(resnet["res2b_branch1/kernel"], "only block a projects")
        XCTAssertNil(resnet["fc1000/kernel"], "fcn=True")

        let googlenet = Architecture.googlenet.expectedTensors
        XCTAssertEqual(googlenet["conv1_7x7_s2/kernel"], [7, 7, 3, 64])
        XCTAssertEqual(googlenet["conv2_3x3/kernel"], [3, 3, 64, 192])
        XCTAssertEqual(googlenet["inception_3a_5x5/kernel"], [5, 5, 16, 32])
        XCTAssertEqual(googlenet["inception_4a_3x3/kernel"], [3, 3, 96, 208])
        XCTAssertEqual(googlenet["inception_5b_pool_proj/bias"], [128])
        XCTAssertEqual(googlenet["inception_4a_loss/kernel"], [3, 3, 512, 512])
        XCTAssertEqual(googlenet["inception_4d_loss/kernel"], [3, 3, 528, 512])
        XCTAssertEqual(googlenet["inception_5b_loss/kernel"], [1, 1, 1024, 512])
        XCTAssertEqual(googlenet["inception_5b_loss/bias"], [512])

        let lite = Architecture.efficientNetLite0.expectedTensors
        XCTAssertEqual(lite["stem/conv/kernel"], [3, 3, 3, 32])
        XCTAssertNil(lite["blocks_0/expand/conv/kernel"], "block 0 has no expansion")
        XCTAssertEqual(lite["blocks_0/depthwise/conv/kernel"], [3, 3, 1, 32])
        XCTAssertEqual(lite["blocks_1/expand/conv/kernel"], [1, 1, 16, 96])
        XCTAssertEqual(lite["blocks_3/depthwise/conv/kernel"], [5, 5, 1, 144])
        XCTAssertEqual(lite["blocks_15/project/conv/kernel"], [1, 1, 1152, 320])
        XCTAssertEqual(lite["blocks_15/project/bn/moving_mean"], [320])
        XCTAssertEqual(lite["head/conv/kernel"], [1, 1, 320, 1280])
        XCTAssertEqual(lite["classifier/kernel"], [1280, 1000])
        XCTAssertEqual(lite["classifier/bias"], [1000])
    }

    func testLayerSummariesFollowTheSeedGraph() throws {
        let resnet = try XCTUnwrap(Architecture.resnet50.layerSummaries(height: 224, width: 224))
        let byName = Dictionary(resnet.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(resnet.first?.name, "bn_conv1")
        XCTAssertEqual(byName["bn_conv1"]?.shape, [112, 112, 64])
        XCTAssertEqual(byName["pool1"]?.shape, [56, 56, 64])
        XCTAssertEqual(byName["res2a"]?.shape, [56, 56, 256])
        XCTAssertEqual(byName["bn3a_branch2a"]?.shape, [28, 28, 128], "stride 2 on the 1×1 branch2a")
        XCTAssertEqual(byName["res5c_relu"]?.shape, [7, 7, 2048])
        XCTAssertEqual(resnet.last?.name, "pool5")
        XCTAssertEqual(resnet.last?.shape, [1, 1, 2048])
        // ResNet-50 is ~3.9 G multiply-adds at 224 (plus conv1's larger padded grid).
        let resnetCost = resnet.reduce(0) { $0 + $1.multiplyAdds }
        XCTAssertEqual(Double(resnetCost), 3.87e9, accuracy: 0.1e9)

        let googlenet = try XCTUnwrap(Architecture.googlenet.layerSummaries(height: 224, width: 224))
        let names = googlenet.map(\.name)
        XCTAssertEqual(Array(names.prefix(7)), ["conv1_7x7_s2", "pool1_3x3_s2", "pool1_norm1", "conv2_3x3_reduce",
                                                "conv2_3x3", "conv2_norm2", "pool2_3x3_s2"])
        XCTAssertFalse(names.contains { $0.hasSuffix("_loss") }, "the auxiliary convs are not run")
        XCTAssertEqual(googlenet.first { $0.name == "inception_4e_output" }?.shape, [14, 14, 832])
        XCTAssertEqual(googlenet.last?.name, "inception_5b_output")

        let lite = try XCTUnwrap(Architecture.efficientNetLite0.layerSummaries(height: 224, width: 224))
        XCTAssertEqual(lite.suffix(3).map(\.name), ["head", "global_pool", "logits"])
        XCTAssertEqual(lite.first { $0.name == "blocks_15" }?.shape, [7, 7, 320])
        // Lite0: ~0.4 G multiply-adds at 224 (the published 407 M FLOPs count multiply-adds).
        XCTAssertEqual(Double(lite.reduce(0) { $0 + $1.multiplyAdds }), 0.40e9, accuracy: 0.02e9)
    }

    func testObserverSeesExactlyTheSummarisedTaps() {
        for architecture in Architecture.allCases {
            let network = SyntheticNetworks.network(architecture)
            let size = architecture == .resnet50 ? 193 : 37
            var seen: [(String, [Int])] = []
            let input = SyntheticWeights.input(height: size, width: size)
            let backend = makeBackend(kind: .blas, threads: 2)
            if network.canClassify {
                _ = network.classify(input, backend: backend) { seen.append(($0, Array($1.shape.dropFirst()))) }
            } else {
                _ = network.features(input, backend: backend) { seen.append(($0, Array($1.shape.dropFirst()))) }
            }
            let summaries = architecture.layerSummaries(height: size, width: size)!
            XCTAssertEqual(seen.map(\.0), summaries.map(\.name), "\(architecture)")
            XCTAssertEqual(seen.map { $0.1.reduce(1, *) }, summaries.map { $0.shape.reduce(1, *) }, "\(architecture)")
            XCTAssertEqual(network.layerNames, summaries.map(\.name).filter {
                $0 != FeatureNetwork.poolTap && $0 != FeatureNetwork.logitsTap
            })
        }
    }
}

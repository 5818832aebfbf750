import Engines
import MirrorCore
import MirrorModels
import TestSupport
import XCTest

/// The training forward/backward of whole networks: the forward pass is the inference pass, and
/// the parameter gradients agree with finite differences of the network itself. (Per-op
/// gradients are checked in EngineTests; PyTorch parity of whole steps in MirrorTrainingTests.)
final class TrainableNetworkTests: XCTestCase {
    private let simd = makeBackend(kind: .simd, threads: 2)

    private func input(_ size: Int, batch: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = batch * size * size * 3
        return Tensor(shape: [batch, size, size, 3], data: (0..<count).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// On `blas` (OpenBLAS runs at full speed in debug builds). GoogLeNet's many 3×3 layers pack
    /// Winograd kernels slowly in debug builds, so it is checked under `make check-full`.
    func testTrainingForwardEqualsInference() throws {
        let blas = makeBackend(kind: .blas, threads: 2)
        let full = ProcessInfo.processInfo.environment["MIRROR_FULL_CHECKS"] == "1"
        for architecture in full ? [Architecture.efficientNetLite0, .googlenet] : [.efficientNetLite0] {
            let trainable = try TrainableNetwork(architecture, weights: architecture.syntheticArchive())
            let x = input(full ? 64 : 32, batch: 2, seed: 7)
            let pass = trainable.forward(x, backend: blas)
            let reference = SyntheticNetworks.network(architecture).features(x, backend: blas)
            XCTAssertEqual(pass.output.shape, reference.shape)
            XCTAssertLessThanOrEqual(maxRelative(pass.output.data, reference.data), 1e-5, architecture.rawValue)
        }
    }

    func testStagesAreTheSeedTaps() throws {
        let lite0 = try TrainableNetwork(.efficientNetLite0, weights: Architecture.efficientNetLite0.syntheticArchive())
        XCTAssertEqual(lite0.stages.map(\.name), ["head"])
        let pass = lite0.forward(input(32, batch: 1, seed: 1), backend: simd)
        XCTAssertEqual(pass.stageMaps[0], pass.output)

        let googlenet = try TrainableNetwork(.googlenet, weights: Architecture.googlenet.syntheticArchive(widthDivisor: 8),
                                             widthDivisor: 8)
        XCTAssertEqual(googlenet.stages.map(\.name), ["inception_4a_loss", "inception_4d_loss", "inception_5b_loss"])

        let resnet = try TrainableNetwork(.resnet50, weights: Architecture.resnet50.syntheticArchive(widthDivisor: 8),
                                          widthDivisor: 8)
        XCTAssertEqual(resnet.stages.map(\.name), ["res5c_branch2c"])
        // Below pool5's 193 pixels: training stops at res5c, which the stage needs.
        XCTAssertTrue(resnet.canTrain(height: 64, width: 64))
        XCTAssertFalse(resnet.trainableNames.contains { $0.hasSuffix("moving_mean") || $0.hasSuffix("moving_variance") })
        XCTAssertFalse(lite0.trainableNames.contains { $0.hasPrefix("classifier") })
    }

    /// Central finite differences of `L = Σ_stages Σ r·map` through the whole thin network, on
    /// the naive engine, for the parameters with the largest gradients of several kinds (first
    /// and last convolutions, a BN γ and β, a stage convolution). The step is 1e-3 relative: at
    /// 1e-2 ReLU and max-pool switches already move the quotient by 2–7 %, and below 1e-3 Float
    /// rounding through ~60 layers takes over. Tolerance `|g − fd| ≤ 2e-2·|fd| + 1e-3·max|g|`
    /// (a wrong chain-rule term is off by O(1)). Lite0 is not here: with synthetic weights its
    /// ReLU6 head saturates and early-layer gradients fall below what a Float difference quotient
    /// resolves; its whole-network gradients are checked across engines, along the gradient with
    /// real weights (`TrainingDescentTests`) and against PyTorch (`TorchTrainingParityTests`).
    func testGradientsMatchFiniteDifferencesOfTheWholeNetwork() throws {
        let naive = makeBackend(kind: .naive, threads: 1)
        let cases: [(Architecture, Int, [String])] = [
            (.resnet50, 32, ["conv1/kernel", "conv1/bias", "bn_conv1/gamma", "bn2a_branch1/beta", "res4b_branch2b/kernel",
                             "res5c_branch2c/kernel", "bn5c_branch2b/gamma"]),
            (.googlenet, 32, ["conv1_7x7_s2/kernel", "conv2_3x3/bias", "inception_3a_pool_proj/kernel",
                              "inception_4a_loss/kernel", "inception_4d_loss/bias", "inception_5b_5x5/kernel",
                              "inception_5b_loss/bias"]),
        ]
        for (architecture, size, names) in cases {
            let network = try TrainableNetwork(architecture, weights: architecture.syntheticArchive(widthDivisor: 8),
                                               widthDivisor: 8)
            let x = input(size, batch: 2, seed: 3)
            let pass = network.forward(x, backend: naive)
            var generator = SeededGenerator(seed: 11)
            let weights = pass.stageMaps.map { map in
                Tensor(shape: map.shape, data: (0..<map.count).map { _ in Float.random(in: -1...1, using: &generator) })
            }
            func loss() -> Double {
                let maps = network.forward(x, backend: naive).stageMaps
                return zip(maps, weights).reduce(0) { total, pair in
                    total + zip(pair.0.data, pair.1.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                }
            }
            let gradients = network.backward(pass, stageGradients: weights, backend: naive)
            XCTAssertEqual(Set(gradients.keys), Set(network.trainableNames))
            for name in names {
                let g = try XCTUnwrap(gradients[name], name)
                let original = network.parameters[name]!
                let scale = g.data.map(abs).max() ?? 0
                XCTAssertGreaterThan(scale, 0, "\(architecture.rawValue) \(name) gets no gradient")
                let largest = g.data.indices.sorted { abs(g.data[$0]) > abs(g.data[$1]) }.prefix(2)
                for index in largest {
                    let h = max(1e-3 * abs(original.data[index]), 1e-3)
                    let (up, down) = (original.data[index] + h, original.data[index] - h)
                    var perturbed = original
                    perturbed.data[index] = up
                    network.setParameter(name, perturbed)
                    let plus = loss()
                    perturbed.data[index] = down
                    network.setParameter(name, perturbed)
                    let minus = loss()
                    network.setParameter(name, original)
                    let numeric = (plus - minus) / (Double(up) - Double(down))
                    XCTAssertLessThanOrEqual(abs(Double(g.data[index]) - numeric), 2e-2 * abs(numeric) + 1e-3 * Double(scale),
                                             "\(architecture.rawValue) \(name)[\(index)]: analytic \(g.data[index]), numeric \(numeric)")
                }
            }
            // The ResNet layers after the stage get no data gradient, as in the seed's graph.
            if architecture == .resnet50 {
                XCTAssertEqual(gradients["bn5c_branch2c/gamma"]!.data.map(abs).max(), 0)
            }
        }
    }

    /// The whole backward pass of Lite0 (depthwise, ReLU6, identity shortcuts) on the fast
    /// engines equals the reference engine's within the convolution bound, for every parameter.
    func testLite0GradientsAgreeAcrossEngines() throws {
        let network = try TrainableNetwork(.efficientNetLite0, weights: Architecture.efficientNetLite0.syntheticArchive())
        let x = input(64, batch: 2, seed: 5)
        var reference: [String: Tensor]?
        for kind in [BackendKind.naive, .simd, .blas] {
            let backend = makeBackend(kind: kind, threads: kind == .naive ? 1 : 2)
            let pass = network.forward(x, backend: backend)
            var generator = SeededGenerator(seed: 2)
            let weights = pass.stageMaps.map { map in
                Tensor(shape: map.shape, data: (0..<map.count).map { _ in Float.random(in: -1...1, using: &generator) })
            }
            let gradients = network.backward(pass, stageGradients: weights, backend: backend)
            guard let reference else { reference = gradients; continue }
            for name in network.trainableNames {
                XCTAssertLessThanOrEqual(maxRelative(gradients[name]!.data, reference[name]!.data), 1e-4,
                                         "\(kind.rawValue) \(name)")
            }
        }
    }

    /// Freezing the layers before `trainableFrom` trains exactly the later tensors, with the same
    /// gradients as the full backward pass gives them.
    func testTrainableFromFreezesEarlierLayers() throws {
        let weights = Architecture.resnet50.syntheticArchive(widthDivisor: 8)
        let full = try TrainableNetwork(.resnet50, weights: weights, widthDivisor: 8)
        let partial = try TrainableNetwork(.resnet50, weights: weights, widthDivisor: 8, trainableFrom: "res4a_relu")
        XCTAssertTrue(partial.trainableNames.allSatisfy { $0.hasPrefix("res4") || $0.hasPrefix("bn4") || $0.hasPrefix("res5")
                                                          || $0.hasPrefix("bn5") })
        XCTAssertTrue(partial.trainableNames.contains("res4a_branch1/kernel"))
        XCTAssertFalse(partial.trainableNames.contains("res3d_branch2c/kernel"))
        let backend = makeBackend(kind: .blas, threads: 2)
        let x = input(64, batch: 2, seed: 8)
        let pass = full.forward(x, backend: backend)
        let r = pass.stageMaps.map { Tensor(shape: $0.shape, data: $0.data.indices.map { Float(($0 * 7919) % 13) / 13 - 0.5 }) }
        let reference = full.backward(pass, stageGradients: r, backend: backend)
        let frozen = partial.backward(partial.forward(x, backend: backend), stageGradients: r, backend: backend)
        XCTAssertEqual(Set(frozen.keys), Set(partial.trainableNames))
        for (name, gradient) in frozen { XCTAssertEqual(gradient, reference[name], name) }
        XCTAssertThrowsError(try TrainableNetwork(.resnet50, weights: weights, widthDivisor: 8, trainableFrom: "pool5")) { error in
            XCTAssertTrue("\(error)".contains("no top-level layer 'pool5'"), "\(error)")
        }
    }

    private func maxRelative(_ a: [Float], _ b: [Float]) -> Float {
        let scale = b.map(abs).max() ?? 0
        let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        return scale == 0 ? difference : difference / scale
    }
}

import Engines
import MirrorCore
import MirrorModels
@testable import MirrorTraining
import TestSupport
import XCTest

/// The whole training pipeline — forward, global max-pool, the seed's loss with its weak and hard
/// terms, backward through the network — along the gradient direction: moving every trainable
/// parameter by −η·g must lower the loss by η·‖g‖² to first order. η is chosen so the predicted
/// decrease is 0.5 % of the loss; the measured one must be within 30 % of it (a wrong sign or a
/// missing chain-rule factor misses by O(1)).
final class TrainingDescentTests: XCTestCase {
    private func loss(_ network: TrainableNetwork, _ images: Tensor, backend: any ComputeBackend) -> (Double, [Tensor]) {
        let pass = network.forward(images, backend: backend)
        let weights = StageWeights.lossWeights(stageCount: network.stages.count)
        var total = 0.0
        var gradients: [Tensor] = []
        for (index, map) in pass.stageMaps.enumerated() {
            let (result, gradient) = StageLoss.evaluate(map: map, loss: .softmin,
                                                        options: TripletLossOptions(withWeak: true, withHard: true,
                                                                                    stageWeight: weights[index]),
                                                        backend: backend)
            total += result.loss
            gradients.append(gradient)
        }
        return (total, gradients)
    }

    func testAStepAlongTheGradientLowersTheLossAsPredicted() throws {
        let backend = makeBackend(kind: .blas, threads: 2)
        // Lite0's synthetic weights saturate ReLU6 at the head (every pooled feature is 6, the loss
        // sits at its log 2 floor and barely moves), so Lite0 runs with the real weights when installed.
        var cases: [(Architecture, Int, WeightArchive)] = [
            (.googlenet, 8, Architecture.googlenet.syntheticArchive(widthDivisor: 8)),
            (.resnet50, 8, Architecture.resnet50.syntheticArchive(widthDivisor: 8)),
        ]
        if let path = RealLite0.weightsPath { cases.append((.efficientNetLite0, 1, try WeightArchive.read(from: path))) }
        for (architecture, divisor, weights) in cases {
            let network = try TrainableNetwork(architecture, weights: weights, widthDivisor: divisor)
            var generator = SeededGenerator(seed: 9)
            let shape = [9, 64, 64, 3]
            let images = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -2...2, using: &generator) })
            let (before, mapGradients) = loss(network, images, backend: backend)
            let pass = network.forward(images, backend: backend)
            let gradients = network.backward(pass, stageGradients: mapGradients, backend: backend)
            let squaredNorm = gradients.values.reduce(0.0) { $0 + $1.data.reduce(0.0) { $0 + Double($1) * Double($1) } }
            XCTAssertGreaterThan(squaredNorm, 0, architecture.rawValue)
            let eta = 0.005 * before / squaredNorm
            for name in network.trainableNames {
                var value = network.parameters[name]!
                let g = gradients[name]!
                for i in value.data.indices { value.data[i] -= Float(eta) * g.data[i] }
                network.setParameter(name, value)
            }
            let (after, _) = loss(network, images, backend: backend)
            let predicted = eta * squaredNorm, measured = before - after
            XCTAssertEqual(measured, predicted, accuracy: 0.3 * predicted,
                           "\(architecture.rawValue): loss \(before) → \(after), predicted decrease \(predicted)")
        }
    }
}

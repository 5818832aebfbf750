import Engines
import MirrorCore
import XCTest

/// A small residual stack, conv → BN-fold → ReLU → max-pool → conv → add(+ReLU) (once as a
/// separate op, once fused into the convolution) plus a depthwise/LRN/concat tail, agrees across
/// engines (the layers chain the way the networks do).
/// Bound: relative error ≤ 1e-5 of the output scale (a few chained Float-accumulation errors).
final class CompositeTests: XCTestCase {
    func testResidualStackAgreesAcrossEngines() {
        let input = randomTensor([1, 17, 15, 3], seed: 1, in: 0...1)
        let stem = ConvolutionLayer(kernel: randomTensor([7, 7, 3, 16], seed: 2), stride: 2, padding: .explicit(3))
            .foldingBatchNorm(BatchNormParameters(gamma: randomVector(16, seed: 3, in: 0.5...1.5),
                                                  beta: randomVector(16, seed: 4), mean: randomVector(16, seed: 5),
                                                  variance: randomVector(16, seed: 6, in: 0.5...2), epsilon: 1.001e-5),
                              activation: .relu)
        let reduce = ConvolutionLayer(kernel: randomTensor([1, 1, 16, 8], seed: 7), bias: randomVector(8, seed: 8),
                                      activation: .relu)
        let spatial = ConvolutionLayer(kernel: randomTensor([3, 3, 8, 8], seed: 9), activation: .relu)
        let expand = ConvolutionLayer(kernel: randomTensor([1, 1, 8, 16], seed: 10))
        let expandRelu = expand.with(activation: .relu)
        let depthwise = ConvolutionLayer(kernel: randomTensor([3, 3, 1, 16], seed: 11), stride: 2, groups: 16,
                                         activation: .relu6)

        func network(_ engine: any ComputeBackend) -> Tensor {
            let x = engine.maxPool(engine.conv2d(input, stem), window: 3, stride: 2, padding: .same)
            let branch = engine.conv2d(engine.conv2d(engine.conv2d(x, reduce), spatial), expand)
            let residual = engine.add(x, branch, activation: .relu)
            let fused = engine.conv2d(engine.conv2d(engine.conv2d(residual, reduce), spatial), expandRelu, adding: x)
            let normalized = engine.lrn(residual, depthRadius: 2, bias: 1, alpha: 2e-5, beta: 0.75)
            let down = engine.conv2d(normalized, depthwise)
            let pooled = engine.avgPool(normalized, window: 3, stride: 2, padding: .same)
            return engine.concatChannels([engine.globalAveragePool(engine.concatChannels([down, pooled])),
                                          engine.globalAveragePool(fused)])
        }

        let engines = allEngines()
        let reference = network(engines[0])
        XCTAssertEqual(reference.shape, [1, 48])
        XCTAssertGreaterThan(reference.data.map(abs).max()!, 0.01, "degenerate test network")
        for engine in engines.dropFirst() {
            assertMatches(network(engine), reference, bound: 1e-5, "\(engine.kind)")
        }
    }
}

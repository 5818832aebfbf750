import Foundation
import MirrorCore

/// `mirror bench --task train --layer`: a pass-through engine that times every op it forwards,
/// so a training step's forward and backward can be read per convolution (with its GFLOP/s) and
/// per cheap op. Wrapping costs one clock read per op; the totals add up to the step.
///
/// Keys are "op layer-name" for convolutions (the layer's name, else its geometry) and "op" for
/// the rest; each key keeps its time per call and the FLOPs the call did (2 × multiply-adds for
/// the three convolution ops, 0 otherwise).
final class OpProfilingBackend: ComputeBackend, @unchecked Sendable {
    struct Entry { var seconds: [Double] = []; var flops: Double = 0; var calls = 0 }

    let inner: any ComputeBackend
    private(set) var entries: [String: Entry] = [:]
    private(set) var order: [String] = []

    init(_ inner: any ComputeBackend) { self.inner = inner }

    var kind: BackendKind { inner.kind }
    var threads: Int { inner.threads }

    func reset() { entries = [:]; order = [] }

    private func timed<T>(_ key: String, flops: Double = 0, _ body: () -> T) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if entries[key] == nil { order.append(key) }
        entries[key, default: Entry()].seconds.append(seconds)
        entries[key, default: Entry()].flops += flops
        entries[key, default: Entry()].calls += 1
        return result
    }

    private static func label(_ layer: ConvolutionLayer, _ shape: [Int]) -> String {
        layer.name ?? "\(layer.kernelHeight)x\(layer.kernelWidth)/\(layer.stride) \(layer.inputChannels)→\(layer.outputChannels) @\(shape.dropFirst().dropLast())"
    }

    private static func convFlops(_ layer: ConvolutionLayer, outputShape: [Int]) -> Double {
        2 * Double(outputShape.dropLast().reduce(1, *)) * Double(layer.kernel.count)
    }

    func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor?) -> Tensor {
        let g = layer.geometry(inputShape: input.shape)
        return timed("conv " + Self.label(layer, input.shape), flops: Self.convFlops(layer, outputShape: g.outputShape)) {
            inner.conv2d(input, layer, adding: residual)
        }
    }
    func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor {
        timed("dx   " + Self.label(layer, inputShape), flops: Self.convFlops(layer, outputShape: gradOutput.shape)) {
            inner.conv2dBackwardInput(gradOutput, layer, inputShape: inputShape)
        }
    }
    func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients {
        timed("dw   " + Self.label(layer, input.shape), flops: Self.convFlops(layer, outputShape: gradOutput.shape)) {
            inner.conv2dBackwardFilter(input, gradOutput, layer)
        }
    }
    func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
              b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        timed("gemm", flops: 2 * Double(m * n * k)) {
            inner.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
    func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        timed("maxPool") { inner.maxPool(input, window: window, stride: stride, padding: padding) }
    }
    func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        timed("avgPool") { inner.avgPool(input, window: window, stride: stride, padding: padding) }
    }
    func globalAveragePool(_ input: Tensor) -> Tensor { timed("globalAveragePool") { inner.globalAveragePool(input) } }
    func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        timed("lrn") { inner.lrn(input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta) }
    }
    func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor { timed("add") { inner.add(a, b, activation: activation) } }
    func concatChannels(_ inputs: [Tensor]) -> Tensor { timed("concat") { inner.concatChannels(inputs) } }
    func activate(_ input: Tensor, _ activation: Activation) -> Tensor { timed("activate") { inner.activate(input, activation) } }
    func batchNorm(_ input: Tensor, _ parameters: BatchNormParameters, activation: Activation) -> Tensor {
        timed("batchNorm") { inner.batchNorm(input, parameters, activation: activation) }
    }
    func invertedBottleneck(_ input: Tensor, _ block: InvertedBottleneck) -> Tensor {
        timed("invertedBottleneck") { inner.invertedBottleneck(input, block) }
    }
    func globalMaxPool(_ input: Tensor) -> Tensor { timed("globalMaxPool") { inner.globalMaxPool(input) } }
    func regionalMaxPool(_ input: Tensor, regions: [PoolingRegion]) -> Tensor {
        timed("regionalMaxPool") { inner.regionalMaxPool(input, regions: regions) }
    }
    func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor {
        timed("activationBackward") { inner.activationBackward(gradOutput, output: output, activation) }
    }
    func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        timed("maxPoolBackward") { inner.maxPoolBackward(gradOutput, input: input, window: window, stride: stride, padding: padding) }
    }
    func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int, padding: Padding) -> Tensor {
        timed("avgPoolBackward") {
            inner.avgPoolBackward(gradOutput, inputShape: inputShape, window: window, stride: stride, padding: padding)
        }
    }
    func lrnBackward(_ gradOutput: Tensor, input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor {
        timed("lrnBackward") {
            inner.lrnBackward(gradOutput, input: input, depthRadius: depthRadius, bias: bias, alpha: alpha, beta: beta)
        }
    }
    func globalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor {
        timed("globalMaxPoolBackward") { inner.globalMaxPoolBackward(gradOutput, input: input) }
    }
    func regionalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor, regions: [PoolingRegion]) -> Tensor {
        timed("regionalMaxPoolBackward") { inner.regionalMaxPoolBackward(gradOutput, input: input, regions: regions) }
    }
    func splitChannels(_ input: Tensor, widths: [Int]) -> [Tensor] { timed("splitChannels") { inner.splitChannels(input, widths: widths) } }

    /// One line per key, in first-call order: median ms per step (the key's calls in one step
    /// summed, median over steps), calls per step, and GFLOP/s for the convolution ops; then the
    /// total per op kind.
    func report(steps: Int, console: Console) {
        let width = order.map(\.count).max() ?? 0
        var kinds: [String: Double] = [:]
        for key in order {
            let entry = entries[key]!
            let perStep = max(1, entry.calls / max(1, steps))
            let sums = stride(from: 0, to: entry.seconds.count, by: perStep).map { entry.seconds[$0..<min($0 + perStep, entry.seconds.count)].reduce(0, +) }
            let median = BenchTiming.Stats(samples: sums).median
            let flopsPerStep = entry.flops / Double(max(1, sums.count))
            let rate = flopsPerStep > 0 ? String(format: "%8.1f GFLOP/s", flopsPerStep / median / 1e9) : ""
            console.out("  " + key.padding(to: width) + String(format: "  ×%-3d %9.2f ms", perStep, median * 1000) + rate)
            kinds[String(key.prefix { $0 != " " }), default: 0] += median
        }
        for (kind, seconds) in kinds.sorted(by: { $0.value > $1.value }) {
            console.out(String(format: "  total %-24@ %9.1f ms", kind, seconds * 1000))
        }
    }
}

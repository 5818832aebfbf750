import MirrorCore

extension NaiveKernels {
    /// `∂L/∂x` of `maxPool`: each output cell's gradient is added to the **first** maximum of its
    /// window, visiting in-bounds cells in scan order (`ky`, then `kx`) with the forward's
    /// `v > best` test from −∞ — PyTorch's `max_pool2d` tie rule, checked against its fixtures.
    /// Padded cells are never visited, so they never win; a window whose cells never beat −∞
    /// (all −∞ or NaN) sends its gradient to its first in-bounds cell. Overlapping windows add up
    /// (Double sums, rounded once).
    public static func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int,
                                       padding: Padding) -> Tensor {
        var sums = [Double](repeating: 0, count: input.count)
        input.data.withUnsafeBufferPointer { x in
            forEachPoolingWindow(inputShape: input.shape, gradOutput: gradOutput, window: window, stride: stride,
                                 padding: padding) { gradient, cells in
                var maximum = FirstMaximum()
                for cell in cells { maximum.visit(x[cell], at: cell) }
                sums[maximum.index] += Double(gradient)
            }
        }
        return Tensor(shape: input.shape, data: sums.map { Float($0) })
    }

    /// `∂L/∂x` of `avgPool`: each output cell's gradient divided by the number of **valid** cells
    /// of its window (the forward's divisor) and added to each of them (Double, rounded once).
    public static func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int,
                                       padding: Padding) -> Tensor {
        var sums = [Double](repeating: 0, count: inputShape.reduce(1, *))
        forEachPoolingWindow(inputShape: inputShape, gradOutput: gradOutput, window: window, stride: stride,
                             padding: padding) { gradient, cells in
            let share = Double(gradient) / Double(cells.count)
            for cell in cells { sums[cell] += share }
        }
        return Tensor(shape: inputShape, data: sums.map { Float($0) })
    }

    /// Calls `body(gradient, cells)` for every output cell of a pooling with its output gradient
    /// and its window's in-bounds input cells in scan order (`forEachPoolingWindow`).
    static func forEachPoolingWindow(inputShape: [Int], gradOutput: Tensor, window: Int, stride: Int,
                                     padding: Padding, body: (Float, [Int]) -> Void) {
        precondition(inputShape.count == 4, "pooling takes NHWC, got \(inputShape)")
        let geometry = padding.resolve(inputHeight: inputShape[1], inputWidth: inputShape[2], kernelHeight: window,
                                       kernelWidth: window, stride: stride)
        let expected = [inputShape[0], geometry.height.output, geometry.width.output, inputShape[3]]
        precondition(gradOutput.shape == expected,
                     "output gradient shape \(gradOutput.shape) differs from the pooling output \(expected)")
        forEachPoolingWindow(inputShape: inputShape, window: window, stride: stride, padding: padding) { out, cells in
            body(gradOutput.data[out], cells)
        }
    }
}

/// The max-pool selection rule shared by the forward value and the backward routing: visit cells
/// in scan order; the first cell is the candidate until a value beats the running maximum
/// (`v > best`, starting from −∞), so ties keep the earliest cell and a NaN never wins.
struct FirstMaximum {
    /// The winning cell, −1 before any visit.
    private(set) var index = -1
    /// The maximum so far (−∞ while nothing beat it).
    private(set) var value = -Float.infinity

    @inline(__always)
    mutating func visit(_ v: Float, at cell: Int) {
        if index < 0 { index = cell }
        if v > value {
            value = v
            index = cell
        }
    }
}

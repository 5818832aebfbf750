import MirrorCore

extension NaiveKernels {
    /// Max-pooling over in-bounds cells only, starting from −∞ (padded cells never win).
    /// Comparison `v > best` keeps the first of equal values and lets a NaN never replace a number.
    public static func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        pool(input, window: window, stride: stride, padding: padding) { cells in
            var best = -Float.infinity
            for v in cells where v > best { best = v }
            return best
        }
    }

    /// Average pooling: the Double sum of the in-bounds cells divided by their count (TF SAME
    /// avg-pool semantics; a VALID window is always fully in bounds).
    public static func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor {
        pool(input, window: window, stride: stride, padding: padding) { cells in
            Float(cells.reduce(0.0) { $0 + Double($1) } / Double(cells.count))
        }
    }

    /// Mean over H·W of `[N, H, W, C]`, returned as `[N, C]` (Double sum, rounded once).
    public static func globalAveragePool(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "global average pool takes NHWC, got \(input.shape)")
        let (batch, pixels, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
        var output = Tensor(shape: [batch, channels])
        for n in 0..<batch {
            for c in 0..<channels {
                var sum = 0.0
                for p in 0..<pixels { sum += Double(input.data[(n * pixels + p) * channels + c]) }
                output.data[n * channels + c] = Float(sum / Double(pixels))
            }
        }
        return output
    }

    /// `reduce` receives the in-bounds values of one channel's window, in row-major window order
    /// (`forEachPoolingWindow`, the walk the backward passes share).
    private static func pool(_ input: Tensor, window: Int, stride: Int, padding: Padding,
                             reduce: ([Float]) -> Float) -> Tensor {
        precondition(input.rank == 4, "pooling takes NHWC, got \(input.shape)")
        var values: [Float] = []
        values.reserveCapacity(window * window)
        var results: [Float] = []
        let shape = forEachPoolingWindow(inputShape: input.shape, window: window, stride: stride, padding: padding) { _, cells in
            values.removeAll(keepingCapacity: true)
            for cell in cells { values.append(input.data[cell]) }
            results.append(reduce(values))
        }
        return Tensor(shape: shape, data: results)
    }
}

import MirrorCore

extension NaiveKernels {
    /// R-MAC pooling: `[N, H, W, C] → [N, R, C]`, for each region the maximum of each channel over
    /// its cells (from −∞ with `v > best`, as `maxPool`: a NaN never wins).
    public static func regionalMaxPool(_ input: Tensor, regions: [PoolingRegion]) -> Tensor {
        var output = Tensor(shape: regionalOutputShape(input.shape, regions: regions))
        forEachRegionalMaximum(input, regions: regions) { outIndex, maximum in output.data[outIndex] = maximum.value }
        return output
    }

    /// `∂L/∂x` of `regionalMaxPool`: each `[n, r, c]` gradient is added to the first maximum of
    /// region `r` in scan order (`y`, then `x`); overlapping regions add up (Double, rounded once).
    public static func regionalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor, regions: [PoolingRegion]) -> Tensor {
        precondition(gradOutput.shape == regionalOutputShape(input.shape, regions: regions),
                     "output gradient shape \(gradOutput.shape) differs from the regional pooling output")
        var sums = [Double](repeating: 0, count: input.count)
        forEachRegionalMaximum(input, regions: regions) { outIndex, maximum in
            sums[maximum.index] += Double(gradOutput.data[outIndex])
        }
        return Tensor(shape: input.shape, data: sums.map { Float($0) })
    }

    /// MAC pooling, `[N, H, W, C] → [N, C]`: regional pooling over the whole map.
    public static func globalMaxPool(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "global max pool takes NHWC, got \(input.shape)")
        let whole = PoolingRegion.whole(height: input.shape[1], width: input.shape[2])
        return regionalMaxPool(input, regions: [whole]).reshaped([input.shape[0], input.shape[3]])
    }

    /// `∂L/∂x` of `globalMaxPool`: the gradient of `[n, c]` goes to the first maximum of the
    /// plane in scan order (`y`, then `x`).
    public static func globalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor {
        precondition(input.rank == 4, "global max pool takes NHWC, got \(input.shape)")
        precondition(gradOutput.shape == [input.shape[0], input.shape[3]],
                     "output gradient shape \(gradOutput.shape) differs from the pooled [\(input.shape[0]), \(input.shape[3])]")
        let whole = PoolingRegion.whole(height: input.shape[1], width: input.shape[2])
        return regionalMaxPoolBackward(gradOutput.reshaped([input.shape[0], 1, input.shape[3]]), input: input,
                                       regions: [whole])
    }

    static func regionalOutputShape(_ inputShape: [Int], regions: [PoolingRegion]) -> [Int] {
        precondition(inputShape.count == 4, "regional max pool takes NHWC, got \(inputShape)")
        for region in regions { region.checkFits(height: inputShape[1], width: inputShape[2]) }
        return [inputShape[0], regions.count, inputShape[3]]
    }

    /// Calls `body(outIndex, maximum)` for every `[n, r, c]` output with the selection over its
    /// region's cells in scan order.
    private static func forEachRegionalMaximum(_ input: Tensor, regions: [PoolingRegion],
                                               body: (Int, FirstMaximum) -> Void) {
        _ = regionalOutputShape(input.shape, regions: regions)
        let (batch, height, width, channels) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        input.data.withUnsafeBufferPointer { x in
            var outIndex = 0
            for n in 0..<batch {
                for region in regions {
                    for c in 0..<channels {
                        var maximum = FirstMaximum()
                        for y in region.top..<region.top + region.height {
                            for xx in region.left..<region.left + region.width {
                                let cell = ((n * height + y) * width + xx) * channels + c
                                maximum.visit(x[cell], at: cell)
                            }
                        }
                        body(outIndex, maximum)
                        outIndex += 1
                    }
                }
            }
        }
    }
}

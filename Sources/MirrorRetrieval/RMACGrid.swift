import MirrorCore

/// The seed's regional grid (`_rmac` in retrieval/model.py, SPEC §3): which windows of a feature map
/// are pooled into regional vectors, in which order.
///
/// For each step (in the order given) the window side is `k = (H / (step+1)) * 2` and the stride
/// `s = (H − k) / (step − 1)` with **Python 2 floor division** (step 1: `k = H, s = 1`), separately per
/// axis; a step whose window comes out below one cell is skipped (the seed's static-shape check).
/// Windows per axis are `n = (H − k) / s + 1` — `tf.nn.max_pool` VALID semantics — so `n` is not always
/// the step (e.g. H=14, step 5 gives 6). Regions are numbered row-major within a step (`iy · n_w + ix`),
/// steps follow one another, and with multi-scale the ½- and ¼-scale grids are appended.
public enum RMACGrid {
    /// One pooling window in feature-map cells.
    public struct Region: Equatable, Sendable {
        public let top: Int
        public let left: Int
        public let height: Int
        public let width: Int
    }

    /// Window side, stride and count along one axis of extent `extent` for `step`, or nil when skipped.
    public static func axis(extent: Int, step: Int) -> (window: Int, stride: Int, count: Int)? {
        precondition(step >= 1 && extent >= 1, "step \(step), extent \(extent)")
        let window: Int, stride: Int
        if step > 1 {
            window = (extent / (step + 1)) * 2
            guard window >= 1 else { return nil }
            stride = (extent - window) / (step - 1)
        } else {
            window = extent
            stride = 1
        }
        guard stride >= 1 else { return nil }
        return (window, stride, (extent - window) / stride + 1)
    }

    /// All regions of an `height × width` feature map for `steps`, in the seed's order.
    public static func regions(height: Int, width: Int, steps: [Int]) -> [Region] {
        var result: [Region] = []
        for step in steps {
            guard let rows = axis(extent: height, step: step), let cols = axis(extent: width, step: step) else { continue }
            for iy in 0..<rows.count {
                for ix in 0..<cols.count {
                    result.append(Region(top: iy * rows.stride, left: ix * cols.stride,
                                         height: rows.window, width: cols.window))
                }
            }
        }
        return result
    }

    /// The seed forces a single global region when `img_size` is 224 (`inference.py`).
    public static func effectiveSteps(_ steps: [Int], imageSize: Int) -> [Int] {
        imageSize == 224 ? [1] : steps
    }
}

/// Regional pooling modes the seed supports (`reduce_method`): MAX (default) and AVG. Its `'L2'`
/// mode crashes in the seed and is not offered.
public enum RegionalPoolingMode: String, CaseIterable, Sendable {
    case max = "MAX"
    case average = "AVG"
}

/// Pools an NHWC feature map `[h, w, D]` (batch of one) over RMAC regions into the seed's `[D, R]`
/// layout (channel-major: `out[d · R + r]`), appending after `offset` regions already written.
public enum RegionalPooling {
    public static func pool(_ map: UnsafeBufferPointer<Float>, height: Int, width: Int, channels: Int,
                            regions: [RMACGrid.Region], mode: RegionalPoolingMode,
                            into out: UnsafeMutableBufferPointer<Float>, totalRegions: Int, offset: Int) {
        precondition(map.count == height * width * channels, "feature map size mismatch")
        precondition(out.count == channels * totalRegions && offset + regions.count <= totalRegions)
        var accumulator = [Float](repeating: 0, count: channels)
        for (r, region) in regions.enumerated() {
            let initial: Float = mode == .max ? -.infinity : 0
            for d in 0..<channels { accumulator[d] = initial }
            for y in region.top..<(region.top + region.height) {
                for x in region.left..<(region.left + region.width) {
                    let base = (y * width + x) * channels
                    switch mode {
                    case .max:
                        for d in 0..<channels { accumulator[d] = max(accumulator[d], map[base + d]) }
                    case .average:
                        for d in 0..<channels { accumulator[d] += map[base + d] }
                    }
                }
            }
            // AVG divides the sum by the window's cell count, as tf.nn.avg_pool VALID does.
            let cells = Float(region.height * region.width)
            for d in 0..<channels {
                out[d * totalRegions + offset + r] = mode == .average ? accumulator[d] / cells : accumulator[d]
            }
        }
    }

    /// Convenience over a `[h, w, D]` or `[1, h, w, D]` tensor: returns the `[D, R]` tensor.
    public static func pool(_ map: Tensor, steps: [Int], mode: RegionalPoolingMode) -> Tensor {
        let (h, w, d) = (map.shape[map.rank - 3], map.shape[map.rank - 2], map.shape[map.rank - 1])
        let regions = RMACGrid.regions(height: h, width: w, steps: steps)
        var out = [Float](repeating: 0, count: d * regions.count)
        map.data.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                pool(input, height: h, width: w, channels: d, regions: regions, mode: mode,
                     into: output, totalRegions: regions.count, offset: 0)
            }
        }
        return Tensor(shape: [d, regions.count], data: out)
    }
}

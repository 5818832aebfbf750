import MirrorCore

/// Synthetic whitened region features with a known answer, for measuring retrieval at sizes no
/// labelled photo collection of ours reaches (`mirror bench --task retrieval`, 10⁵ images).
///
/// Images come in groups of `groupSize` (the last may be smaller): the planted neighbours of an
/// image are the other members of its group. A group has a random "gist" vector U and R random
/// scene vectors S_r. Each member is a noisy copy: region r is
/// `normalise(gist · (U + σε) + (S_r + σε_r))`, where σ is drawn per member uniformly in
/// [0.5, 1.5] × `noise` (some views overlap more than others), and with probability `occlusion`
/// S_r is replaced by an unrelated vector (the part of a view another view does not see). ε are
/// fresh standard normal vectors. Images of different groups share nothing.
///
/// The defaults match what real features look like after whitening (Lite0 at 448 on 1,824
/// homography views of 57 photos, `mirror index --out-dim 256`; Docs/BENCHMARKS.md): an image's
/// regions have mean cosine 0.34 with each other (0.35 here, through the gist), overlapping views
/// have global (R-MAC) cosine 0.63 and PR-MAC/R 0.58 (≈ 0.65 / 0.55 here), unrelated ones 0.00 ±
/// 0.08 and 0.10 (0.00 ± 0.06 and 0.11).
///
/// Generation is deterministic in `seed` and independent of threads: group g draws from its own
/// SplitMix64 stream keyed by (seed, g). Values are produced in float16 when `half` is set, so
/// 10⁵ images × 35 × 256 fit in 1.8 GB without a float32 copy.
public struct PlantedFeatures: Sendable {
    public var images: Int
    public var regions: Int
    public var dims: Int
    public var groupSize: Int = 4
    public var noise: Float = 0.7
    public var occlusion: Float = 0.25
    /// Weight of the gist shared by all regions of an image (0: independent regions).
    public var gist: Float = 0.7
    public var seed: UInt64 = 7

    public init(images: Int, regions: Int, dims: Int) {
        self.images = images
        self.regions = regions
        self.dims = dims
    }

    /// Image n's group.
    public func group(of image: Int) -> Int { image / groupSize }

    /// The other members of image n's group, ascending.
    public func plantedNeighbours(of image: Int) -> [Int] {
        let start = group(of: image) * groupSize
        return (start..<min(images, start + groupSize)).filter { $0 != image }
    }

    /// `[images · regions, dims]` unit rows.
    public func generate(half: Bool, threads: Int = 1) -> RegionVectors {
        let groups = (images + groupSize - 1) / groupSize
        let rowValues = regions * dims
        if half {
            var values = [Float16](repeating: 0, count: images * rowValues)
            values.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                Parallel.forEach(count: groups, threads: threads) { group in
                    fill(group: group) { image, row in
                        let target = base + image * rowValues
                        for i in 0..<rowValues { target[i] = Float16(row[i]) }
                    }
                }
            }
            return RegionVectors(half: values, dims: dims)
        }
        var values = [Float](repeating: 0, count: images * rowValues)
        values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEach(count: groups, threads: threads) { group in
                fill(group: group) { image, row in (base + image * rowValues).update(from: row, count: rowValues) }
            }
        }
        return RegionVectors(values, dims: dims)
    }

    /// Computes group `group`'s members and hands each image's `[regions, dims]` rows to `store`.
    private func fill(group: Int, store: (Int, UnsafePointer<Float>) -> Void) {
        var random = SplitMix(seed: seed, stream: UInt64(group))
        let gistVector = (0..<dims).map { _ in random.gaussian() }
        let scene = (0..<(regions * dims)).map { _ in random.gaussian() }
        var rows = [Float](repeating: 0, count: regions * dims)
        var memberGist = [Float](repeating: 0, count: dims)
        for image in (group * groupSize)..<min(images, (group + 1) * groupSize) {
            let sigma = noise * (0.5 + random.uniform())
            for j in 0..<dims { memberGist[j] = gist * (gistVector[j] + sigma * random.gaussian()) }
            for r in 0..<regions {
                let occluded = random.uniform() < occlusion
                for j in 0..<dims {
                    let fresh = random.gaussian()
                    rows[r * dims + j] = memberGist[j] + (occluded ? fresh : scene[r * dims + j] + sigma * fresh)
                }
            }
            L2Normalization.normalizeRows(&rows, dims: dims)
            rows.withUnsafeBufferPointer { store(image, $0.baseAddress!) }
        }
    }

    /// SplitMix64 with a sum-of-uniforms normal (Irwin–Hall, 4 terms): cheap, isotropic enough
    /// for random directions in 256-D, and the same on every platform.
    private struct SplitMix {
        var state: UInt64

        /// Stream `stream` of `seed`: the start is the mixed key, so streams do not overlap as
        /// `seed + stream·γ` would (SplitMix's own increment makes those shifted copies).
        init(seed: UInt64, stream: UInt64) { state = Self.mix(seed ^ Self.mix(stream &+ 0x632B_E59B_D9B4_E019)) }

        static func mix(_ value: UInt64) -> UInt64 {
            var z = value
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return Self.mix(state)
        }

        mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

        mutating func gaussian() -> Float {
            // Sum of 4 uniforms on [0,1): mean 2, variance 1/3.
            (uniform() + uniform() + uniform() + uniform() - 2) * 1.7320508
        }
    }
}

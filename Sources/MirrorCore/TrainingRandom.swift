/// Deterministic random numbers for training and for `mirror synth`: the draws are a function of
/// `(seed, step, stream)` alone, never of what was drawn before.
///
/// Why: the seed draws every batch of the run up front from Python's global `random`
/// (`_training_data_queue`), and TF's augmentation ops keep hidden per-op state, so a resumed
/// seed run does not see the batches it would have seen. Keying the generator on the step makes
/// `--resume` exact without saving generator state, and keying it on a stream lets the 3B images
/// of a batch be loaded and augmented on several threads, in any order, with the same result
/// (one stream per image slot, see `Stream`). TF's own random sequences cannot be reproduced
/// (SPEC §8.3); only their distributions are matched.
///
/// Construction: the key is hashed with the SplitMix64 finaliser (a bijection of 64-bit words),
/// `h = mix(mix(mix(seed + γ) ^ step) ^ stream)`, and the numbers are the SplitMix64 sequence from
/// `h` (`state += γ; output = mix(state)`, γ = 0x9E3779B97F4A7C15). SplitMix64 passes BigCrush;
/// two keys give overlapping sequences only if their start points lie within a few draws on the
/// 2⁶⁴ cycle, which no run can observe. Cost: a few multiplies per draw.
///
/// It lives in MirrorCore because two modules key their draws this way: MirrorTraining (step =
/// training step) and MirrorSynth (step = a hash of the photo's name, so a photo's views do not
/// depend on which other photos are in the folder or on the order threads finish in).
///
/// The explicit methods (`nextFloat()`, `nextDouble()`, `uniform(_:)`, `index(below:)`) are pinned: their
/// results for a key never change between mirror versions unless a release note says so. The
/// `RandomNumberGenerator` conformance is for convenience; the standard library's algorithms on
/// top of it are not pinned.
public struct TrainingRandom: RandomNumberGenerator, Sendable {
    /// Which independent sequence of a step to draw from. The top byte is a kind; kinds 1–15
    /// are used by the training data side below, 16–31 by `mirror synth`, others are free for
    /// the trainer (`init(rawValue:)`).
    public struct Stream: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        private init(kind: UInt64, index: Int, attempt: Int) {
            precondition(index >= 0 && index < 1 << 32 && attempt >= 0 && attempt < 1 << 16,
                         "stream index \(index) or attempt \(attempt) out of range")
            rawValue = kind << 56 | UInt64(index) << 16 | UInt64(attempt)
        }

        /// The choice of the step's B distinct scenes.
        public static let sceneChoice = Stream(kind: 1, index: 0, attempt: 0)
        /// The record, positive and negative of triplet `index`; `attempt` > 0 redraws it after
        /// one of its images failed to load.
        public static func triplet(_ index: Int, attempt: Int) -> Stream { Stream(kind: 2, index: index, attempt: attempt) }
        /// The augmentation of image slot `slot` (0..<3B) of a triplet drawn at `attempt`.
        public static func augmentation(slot: Int, attempt: Int) -> Stream { Stream(kind: 3, index: slot, attempt: attempt) }
        /// `mirror synth`: the geometry (zoom, rotation, tilt, centre) of all views of one photo,
        /// drawn in sequence because a view may be placed near an earlier one.
        public static let synthGeometry = Stream(kind: 16, index: 0, attempt: 0)
        /// `mirror synth`: the photometric jitter, JPEG quality and noise of view `view` of a
        /// photo, one stream per view so views render on any thread in any order.
        public static func synthAppearance(view: Int) -> Stream { Stream(kind: 17, index: view, attempt: 0) }
    }

    private static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var state: UInt64

    /// The generator of `stream` at `step` of the run seeded with `seed`.
    public init(seed: UInt64, step: Int, stream: Stream) {
        var h = Self.mix(seed &+ Self.gamma)
        h = Self.mix(h ^ UInt64(bitPattern: Int64(step)))
        state = Self.mix(h ^ stream.rawValue)
    }

    /// SplitMix64's output function (Stafford's variant 13).
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// Uniform in [0, 1) on the grid of 2⁻²⁴ (every value exact in float32).
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) on the grid of 2⁻⁵³.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in `range`, computed in float32 as `lower + (upper − lower)·u` — the form of TF's
    /// `random_uniform(minval, maxval)` — and kept below `upper` when rounding would reach it.
    public mutating func uniform(_ range: Range<Float>) -> Float {
        let value = range.lowerBound + (range.upperBound - range.lowerBound) * nextFloat()
        return value < range.upperBound ? value : range.upperBound.nextDown
    }

    /// Uniform in `range` (float64), kept below `upper`.
    public mutating func uniform(_ range: Range<Double>) -> Double {
        let value = range.lowerBound + (range.upperBound - range.lowerBound) * nextDouble()
        return value < range.upperBound ? value : range.upperBound.nextDown
    }

    /// Uniform in `0..<n` without modulo bias (Lemire's multiply-and-reject: the high word of
    /// `next() · n`, redrawn while the low word falls in the `2⁶⁴ mod n` values that would
    /// favour small results).
    public mutating func index(below n: Int) -> Int {
        precondition(n > 0, "index(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }
}

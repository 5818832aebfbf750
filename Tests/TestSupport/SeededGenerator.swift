/// Deterministic test data: SplitMix64, so every run and machine sees the same values.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniform in [0, 1) with 24 random bits (exact in float32).
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

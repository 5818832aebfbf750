import Foundation

/// The Mersenne Twister MT19937 with NumPy's legacy `RandomState` conventions, so that
/// `MT19937(seed: 0).normal()` yields exactly `np.random.RandomState(0).normal()` (SPEC §4):
/// - seeding is Matsumoto–Nishimura `init_genrand(seed)`;
/// - `nextDouble()` is `((a >> 5) · 2²⁶ + (b >> 6)) / 2⁵³` from two consecutive 32-bit outputs;
/// - `normal()` is the Marsaglia polar method: draw `x1, x2 = 2u − 1` until `0 < r2 = x1² + x2² < 1`,
///   `f = sqrt(−2 ln r2 / r2)`, return `f·x2` and cache `f·x1` for the next call.
///
/// First normals for seed 0: 1.764052345967664, 0.4001572083672233, 0.9787379841057392.
public struct MT19937: Sendable {
    private static let n = 624, m = 397
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624
    private var cachedGauss: Double?

    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<Self.n {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    /// The next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A double in [0, 1) with 53 random bits (NumPy's `random_sample`).
    public mutating func nextDouble() -> Double {
        let a = nextUInt32() >> 5, b = nextUInt32() >> 6
        return (Double(a) * 67_108_864.0 + Double(b)) / 9_007_199_254_740_992.0
    }

    /// A standard normal deviate (NumPy's legacy `gauss`, used by `RandomState.normal`).
    public mutating func normal() -> Double {
        if let cached = cachedGauss {
            cachedGauss = nil
            return cached
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2 * nextDouble() - 1
            x2 = 2 * nextDouble() - 1
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1 || r2 == 0
        let f = (-2 * log(r2) / r2).squareRoot()
        cachedGauss = f * x1
        return f * x2
    }

    /// `count` normals in generation order (`RandomState.normal(size: …)` fills C order).
    public mutating func normals(count: Int) -> [Double] {
        (0..<count).map { _ in normal() }
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF, matrixA: UInt32 = 0x9908_B0DF
        for i in 0..<Self.n {
            let y = (state[i] & upper) | (state[(i + 1) % Self.n] & lower)
            var next = state[(i + Self.m) % Self.n] ^ (y >> 1)
            if y & 1 != 0 { next ^= matrixA }
            state[i] = next
        }
        index = 0
    }
}

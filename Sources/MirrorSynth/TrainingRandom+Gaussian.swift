import Foundation
import MirrorCore

extension TrainingRandom {
    /// A standard normal draw (Box–Muller, one value per two uniforms): √(−2 ln u₁) · cos(2π u₂)
    /// with u₁ ∈ (0, 1], u₂ ∈ [0, 1). Pinned like the other explicit draws: `mirror synth`'s output
    /// bytes for a seed depend on it.
    mutating func gaussian() -> Double {
        gaussianPair().0
    }

    /// Two independent standard normal draws from the same two uniforms (Box–Muller's cosine and
    /// sine branches), for bulk noise at half the logarithms.
    mutating func gaussianPair() -> (Double, Double) {
        let u1 = 1 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2 * log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        return (radius * cos(angle), radius * sin(angle))
    }

    /// N(mean, sigma²).
    mutating func gaussian(mean: Double, sigma: Double) -> Double {
        mean + sigma * gaussian()
    }

    /// Uniform over the integers of `range` (inclusive), without modulo bias.
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + index(below: range.upperBound - range.lowerBound + 1)
    }
}

/// Inference-time batch normalisation of one channel axis (SPEC §2, `tf.layers.batch_normalization`
/// with `training=False`): `y = γ·(x − μ)/√(σ² + ε) + β`.
///
/// `gamma == nil` means `scale=False` (γ ≡ 1) and `beta == nil` means `center=False` (β ≡ 0), the
/// seed's defaults. Under TF 1.x the fused kernel clamps ε to at least 1.001e-5; callers that
/// reproduce the seed pass that effective ε (`tensorFlow1Epsilon`) themselves.
public struct BatchNormParameters: Equatable, Sendable {
    public var gamma: [Float]?
    public var beta: [Float]?
    public var mean: [Float]
    public var variance: [Float]
    public var epsilon: Float

    /// `max(ε, 1.001e-5)`: the ε TF 1.x's `fused_batch_norm` actually uses.
    public static func tensorFlow1Epsilon(_ epsilon: Float) -> Float { max(epsilon, 1.001e-5) }

    public init(gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Float) {
        precondition(mean.count == variance.count, "BN mean has \(mean.count) channels, variance \(variance.count)")
        precondition(gamma.map { $0.count == mean.count } ?? true, "BN gamma has the wrong channel count")
        precondition(beta.map { $0.count == mean.count } ?? true, "BN beta has the wrong channel count")
        precondition(epsilon >= 0, "BN epsilon must be non-negative")
        self.gamma = gamma
        self.beta = beta
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }

    public var channels: Int { mean.count }

    /// The per-channel factor `s = γ/√(σ² + ε)` computed in Double and rounded once to Float.
    public func scaleFactors() -> [Double] {
        (0..<channels).map { c in
            Double(gamma?[c] ?? 1) / (Double(variance[c]) + Double(epsilon)).squareRoot()
        }
    }

    /// `(s, t)` with `y = x·s + t`, `t = β − μ·s` (Double arithmetic, each rounded once).
    public func scaleAndShift() -> (scale: [Float], shift: [Float]) {
        let s = scaleFactors()
        let scale = s.map { Float($0) }
        let shift = (0..<channels).map { c in Float(Double(beta?[c] ?? 0) - Double(mean[c]) * s[c]) }
        return (scale, shift)
    }
}

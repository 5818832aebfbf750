/// The pointwise activation fused into a convolution's or addition's epilogue.
///
/// Semantics every engine reproduces bit for bit: `relu(x) = x < 0 ? 0 : x` and
/// `relu6(x) = x < 0 ? 0 : (x > 6 ? 6 : x)`, so NaN passes through and −0 stays −0.
public enum Activation: String, CaseIterable, Hashable, Sendable {
    case none
    case relu
    /// `min(max(x, 0), 6)`, EfficientNet-Lite's activation (SPEC §6.4).
    case relu6

    /// The activation applied to one value.
    @inlinable
    public func apply(_ x: Float) -> Float {
        switch self {
        case .none: return x
        case .relu: return x < 0 ? 0 : x
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        }
    }
}

import MirrorCore

/// The seed's L2 regularisation, `wd · Σ_w ‖w‖²/2` over every trainable variable (SPEC §8.6:
/// `apply_regularization(l2_regularizer(scale=weight_decay), weights_list)`, where
/// `l2_regularizer` is `scale · l2_loss` and `l2_loss(w) = Σ w²/2`). Biases and batch-norm γ/β
/// are trainable and included; moving averages are not trainable and must not be passed.
///
/// Its gradient is `wd · w`, which the optimizers add to each data gradient before their update,
/// exactly as TF differentiates `final_loss = reg_loss + Σ stage losses`. The loss value itself
/// only enters the reported total.
public struct WeightDecay: Equatable, Sendable {
    /// `--weight_decay` (the seed's default 1e-4).
    public var rate: Float

    public init(rate: Float = 1e-4) {
        self.rate = rate
    }

    /// `rate · Σ ‖w‖²/2`, accumulated in Double (TF sums in float32; over 10⁷ weights Double
    /// keeps the reported value stable to the last printed digit).
    public func loss(of values: [Tensor]) -> Double {
        var sum = 0.0
        for value in values {
            value.data.withUnsafeBufferPointer { w in
                var partial = 0.0
                for x in w { partial += Double(x) * Double(x) }
                sum += partial
            }
        }
        return Double(rate) * sum / 2
    }

    /// `gradient + rate · w`: the total gradient of one value (float32, as TF).
    @inline(__always)
    func total(gradient: Float, value: Float) -> Float {
        gradient + rate * value
    }
}

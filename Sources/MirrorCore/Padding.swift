/// How a convolution or pooling window is padded, with TensorFlow's arithmetic (SPEC §2).
///
/// - `same`: `out = ceil(in/s)`, `pad = max((out−1)·s + k − in, 0)`, split `before = pad/2`
///   (floor) and `after = pad − before`, so the extra cell goes after (bottom/right). Examples:
///   3×3/s2 on 224 → 112 with pads (0,1); 4×4/s1 → (1,2); 5×5/s1 → (2,2); 1×1/s2 on 7 → 4 with
///   no padding, sampling `x[0::2]`.
/// - `valid`: no padding, `out = floor((in − k)/s) + 1`; trailing cells a stride skips are unused.
/// - `explicit`: fixed zero pads per side, then VALID arithmetic on the padded extent. The seed's
///   `conv1` is `tf.pad` by 3 then a 7×7/s2 VALID conv, i.e. `.explicit(top: 3, bottom: 3,
///   left: 3, right: 3)`, which is **not** SAME (SAME would pad (2,3)).
///
/// What a padded cell contributes is the op's business: zero for convolutions, never the maximum
/// for max-pooling (−∞ semantics), not counted for average pooling.
public enum Padding: Hashable, Sendable, CustomStringConvertible {
    case same
    case valid
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// Symmetric explicit padding of `amount` cells on every side.
    public static func explicit(_ amount: Int) -> Padding {
        .explicit(top: amount, bottom: amount, left: amount, right: amount)
    }

    /// Output extents and pads of a `kernelHeight×kernelWidth` window moved by `stride` over an
    /// `inputHeight×inputWidth` plane. Precondition: the window fits at least once.
    public func resolve(inputHeight: Int, inputWidth: Int, kernelHeight: Int, kernelWidth: Int,
                        stride: Int) -> WindowGeometry {
        switch self {
        case .same:
            return WindowGeometry(height: .same(input: inputHeight, kernel: kernelHeight, stride: stride),
                                  width: .same(input: inputWidth, kernel: kernelWidth, stride: stride))
        case .valid:
            return WindowGeometry(height: .padded(input: inputHeight, kernel: kernelHeight, stride: stride),
                                  width: .padded(input: inputWidth, kernel: kernelWidth, stride: stride))
        case .explicit(let top, let bottom, let left, let right):
            return WindowGeometry(
                height: .padded(input: inputHeight, kernel: kernelHeight, stride: stride, before: top, after: bottom),
                width: .padded(input: inputWidth, kernel: kernelWidth, stride: stride, before: left, after: right))
        }
    }

    public var description: String {
        switch self {
        case .same: return "SAME"
        case .valid: return "VALID"
        case .explicit(let t, let b, let l, let r): return "explicit(\(t),\(b),\(l),\(r))"
        }
    }
}

/// One axis of a resolved window: output extent and the zero cells added before and after.
public struct AxisWindow: Hashable, Sendable {
    public let output: Int
    public let padBefore: Int
    public let padAfter: Int

    public init(output: Int, padBefore: Int, padAfter: Int) {
        self.output = output
        self.padBefore = padBefore
        self.padAfter = padAfter
    }

    /// TF SAME: `out = ceil(in/s)`, total pad split with the odd cell after.
    public static func same(input: Int, kernel: Int, stride: Int) -> AxisWindow {
        precondition(input > 0 && kernel > 0 && stride > 0,
                     "SAME window needs positive sizes (in \(input), k \(kernel), s \(stride))")
        let output = (input + stride - 1) / stride
        let pad = max((output - 1) * stride + kernel - input, 0)
        return AxisWindow(output: output, padBefore: pad / 2, padAfter: pad - pad / 2)
    }

    /// VALID arithmetic on the input padded by `before`/`after` zero cells:
    /// `out = floor((in + before + after − k)/s) + 1`.
    public static func padded(input: Int, kernel: Int, stride: Int, before: Int = 0, after: Int = 0) -> AxisWindow {
        precondition(kernel > 0 && stride > 0 && before >= 0 && after >= 0,
                     "bad window (k \(kernel), s \(stride), pads \(before),\(after))")
        let extent = input + before + after
        precondition(extent >= kernel, "a \(kernel)-wide window does not fit \(input) cells padded by (\(before),\(after))")
        return AxisWindow(output: (extent - kernel) / stride + 1, padBefore: before, padAfter: after)
    }
}

/// A window resolved on both spatial axes.
public struct WindowGeometry: Hashable, Sendable {
    public let height: AxisWindow
    public let width: AxisWindow

    public init(height: AxisWindow, width: AxisWindow) {
        self.height = height
        self.width = width
    }
}

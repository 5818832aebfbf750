import MirrorCore

/// Deterministic synthetic weights and inputs, bit-identical to `Fixtures/scripts/netref_synthetic.py`.
///
/// Used where a network needs plausible weights but not trained ones: the parity tests against
/// `Fixtures/networks/` (which TensorFlow produced from the same formula) and `mirror bench`.
/// Every value is a pure function of the tensor's name, its C-order element index and, for
/// kernels, its shape — so a single element can be regenerated without the rest:
///
///     h = FNV-1a-32(UTF-8 name)                     (offset 0x811C9DC5, prime 0x01000193)
///     x = h ^ (index · 0x9E3779B1 mod 2³²)
///     x ^= x >> 16; x &*= 0x7FEB352D; x ^= x >> 15; x &*= 0x846CA68B; x ^= x >> 16
///     u = Float(x >> 8) · 2⁻²⁴                      exact, in [0, 1)
///     t = 2u − 1                                    exact, in [−1, 1)
///
/// and then, per `Role` (each a single float32 rounding of an exact value, so fused multiply-add
/// cannot change the bits): kernel `t · Float(sqrt(3/fanIn))` (square root of the Double
/// quotient, then rounded), bias/beta and moving mean `t · Float(0.1)`, gamma `0.5 + 0.5u`,
/// moving variance `0.5 + u`, input `256u − 128`.
public enum SyntheticWeights {
    /// How a tensor's uniform variates are mapped to values.
    public enum Role: Equatable, Sendable {
        /// Convolution or dense kernel: `(2u − 1) · Float(sqrt(3 / fanIn))`.
        case kernel(fanIn: Int)
        /// Conv/dense bias or BatchNorm beta: `0.1 · (2u − 1)`.
        case bias
        /// BatchNorm gamma: `0.5 + 0.5u`.
        case gamma
        /// BatchNorm moving mean: `0.1 · (2u − 1)`.
        case movingMean
        /// BatchNorm moving variance: `0.5 + u`.
        case movingVariance
        /// Synthetic image (mean-subtracted scale): `256u − 128`.
        case input
    }

    /// The role implied by a tensor name, or nil when the name has none (e.g. `num_batches_tracked`).
    ///
    /// Seed TF names: `…/kernel` (HWIO or dense `[in, out]`, fanIn = product of all but the last
    /// axis), `…/depthwise_kernel` (`[kh, kw, C, m]`, fanIn = kh·kw), `…/bias`, `…/beta`,
    /// `…/gamma`, `…/moving_mean`, `…/moving_variance`. PyTorch names: `….weight` of rank ≥ 2
    /// (OIHW or `[out, in]`, fanIn = product of all but the first axis), `….weight` of rank 1
    /// (gamma), `….bias`, `….running_mean`, `….running_var`. The name `input` is the image.
    public static func role(name: String, shape: [Int]) -> Role? {
        if name == "input" { return .input }
        if name.hasSuffix("/depthwise_kernel"), shape.count == 4 {
            return .kernel(fanIn: shape[0] * shape[1])
        }
        if name.hasSuffix("/kernel"), !shape.isEmpty {
            return .kernel(fanIn: shape.dropLast().reduce(1, *))
        }
        if name.hasSuffix(".weight") {
            return shape.count >= 2 ? .kernel(fanIn: shape.dropFirst().reduce(1, *)) : .gamma
        }
        let suffixes: [(String, Role)] = [
            ("/bias", .bias), (".bias", .bias), ("/beta", .bias), ("/gamma", .gamma),
            ("/moving_mean", .movingMean), (".running_mean", .movingMean),
            ("/moving_variance", .movingVariance), (".running_var", .movingVariance),
        ]
        return suffixes.first { name.hasSuffix($0.0) }?.1
    }

    /// FNV-1a-32 of the UTF-8 bytes of `name`.
    public static func nameHash(_ name: String) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for byte in name.utf8 {
            h = (h ^ UInt32(byte)) &* 0x0100_0193
        }
        return h
    }

    /// The 32-bit hash of element `index` (C order, `0 ..< 2³²`) of the tensor whose name hashes to `nameHash`.
    @inlinable
    public static func bits(nameHash: UInt32, index: Int) -> UInt32 {
        precondition(index >= 0 && index <= Int(UInt32.max), "element index \(index) outside 0..<2^32")
        var x = nameHash ^ (UInt32(truncatingIfNeeded: index) &* 0x9E37_79B1)
        x ^= x >> 16
        x &*= 0x7FEB_352D
        x ^= x >> 15
        x &*= 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// The 32-bit hash of element `index` of tensor `name`.
    public static func bits(name: String, index: Int) -> UInt32 {
        bits(nameHash: nameHash(name), index: index)
    }

    /// The float32 value for a hash under `role`.
    @inlinable
    public static func value(bits: UInt32, role: Role) -> Float {
        let u = Float(bits >> 8) * 0x1p-24
        let t = 2 * u - 1
        switch role {
        case .kernel(let fanIn): return t * kernelScale(fanIn: fanIn)
        case .bias, .movingMean: return t * Float(0.1)
        case .gamma: return 0.5 + 0.5 * u
        case .movingVariance: return 0.5 + u
        case .input: return 256 * u - 128
        }
    }

    /// `Float(sqrt(3 / fanIn))`, the kernel half-range (variance 1/fanIn).
    @inlinable
    public static func kernelScale(fanIn: Int) -> Float {
        precondition(fanIn > 0, "kernel fan-in must be positive")
        return Float((3.0 / Double(fanIn)).squareRoot())
    }

    /// Element `index` of tensor `name` under an explicit role.
    public static func value(name: String, index: Int, role: Role) -> Float {
        value(bits: bits(name: name, index: index), role: role)
    }

    /// Element `index` of tensor `name` of `shape`, the role taken from the name (see `role(name:shape:)`).
    public static func value(name: String, index: Int, shape: [Int]) -> Float {
        guard let role = role(name: name, shape: shape) else {
            preconditionFailure("no synthetic role for tensor name \(name)")
        }
        return value(name: name, index: index, role: role)
    }

    /// The whole tensor `name` of `shape` (C order, in the layout the name's convention implies:
    /// HWIO for seed TF names, OIHW for PyTorch names). The name must have a role.
    public static func tensor(name: String, shape: [Int]) -> Tensor {
        guard let role = role(name: name, shape: shape) else {
            preconditionFailure("no synthetic role for tensor name \(name)")
        }
        let hash = nameHash(name)
        let count = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = value(bits: bits(nameHash: hash, index: i), role: role) }
            initialized = count
        }
        return Tensor(shape: shape, data: data)
    }

    /// The synthetic image `[1, height, width, 3]` (NHWC) named `input`, values in [−128, 128);
    /// element (y, x, c) has index `(y · width + x) · 3 + c`. Each size is an independent image.
    public static func input(height: Int, width: Int) -> Tensor {
        tensor(name: "input", shape: [1, height, width, 3])
    }

    /// The fixtures' activation sample positions: `bits(name: "sample", index: k) mod count`, k < `samples`.
    public static func samplePositions(count: Int, samples: Int) -> [Int] {
        precondition(count > 0, "no elements to sample")
        let hash = nameHash("sample")
        return (0..<samples).map { Int(bits(nameHash: hash, index: $0)) % count }
    }
}

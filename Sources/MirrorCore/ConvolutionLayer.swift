import Foundation

/// The weights and hyper-parameters of one 2-D convolution, shared by every engine.
///
/// Layout: `kernel` is **HWIO** `[kh, kw, cin/groups, cout]`, TensorFlow's layout and the order of
/// an NHWC im2col patch `(ky, kx, ci)`, so the kernel read as a `[kh·kw·cin, cout]` row-major
/// matrix is directly the GEMM right-hand side. Depthwise convolutions have
/// `groups == cin == cout` and kernel `[kh, kw, 1, C]` (channel multiplier 1, SPEC §6.4).
///
/// Computes `y[n,oy,ox,co] = act(bias[co] + Σ_{ky,kx,ci} x[n, oy·s−padTop+ky, ox·s−padLeft+kx,
/// g·cinG+ci] · w[ky,kx,ci,co])` with zero padding, where `g` is the group of `co` (SPEC §2).
///
/// The layer is immutable; engines may attach prepacked copies of the kernel with
/// `prepacked(_:build:)`, so packing happens once per layer and engine strategy, not per call.
public final class ConvolutionLayer: @unchecked Sendable {
    /// HWIO kernel `[kh, kw, cin/groups, cout]`.
    public let kernel: Tensor
    /// Per-output-channel bias `[cout]`, or nil.
    public let bias: [Float]?
    /// Equal vertical and horizontal stride.
    public let stride: Int
    public let padding: Padding
    /// 1 for an ordinary convolution, `cin` for a depthwise one.
    public let groups: Int
    /// Applied after the bias, in the same pass.
    public let activation: Activation
    /// Optional name for diagnostics and benchmarks (the seed's layer name, e.g. `res2a_branch2b`).
    public let name: String?

    private let cacheLock = NSLock()
    private var cache: [String: AnyObject] = [:]

    public init(kernel: Tensor, bias: [Float]? = nil, stride: Int = 1, padding: Padding = .same,
                groups: Int = 1, activation: Activation = .none, name: String? = nil) {
        precondition(kernel.rank == 4, "convolution kernel must be HWIO [kh, kw, cin/groups, cout], got \(kernel.shape)")
        precondition(kernel.shape.allSatisfy { $0 > 0 }, "empty convolution kernel \(kernel.shape)")
        precondition(stride > 0, "stride must be positive")
        precondition(groups > 0 && kernel.shape[3] % groups == 0,
                     "output channels \(kernel.shape[3]) not divisible into \(groups) groups")
        precondition(bias.map { $0.count == kernel.shape[3] } ?? true,
                     "bias has \(bias?.count ?? 0) values for \(kernel.shape[3]) output channels")
        self.kernel = kernel
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.activation = activation
        self.name = name
    }

    public var kernelHeight: Int { kernel.shape[0] }
    public var kernelWidth: Int { kernel.shape[1] }
    /// Input channels of one group (`kernel.shape[2]`).
    public var inputChannelsPerGroup: Int { kernel.shape[2] }
    public var inputChannels: Int { kernel.shape[2] * groups }
    public var outputChannels: Int { kernel.shape[3] }
    /// True for `groups == cin == cout` (one filter per channel).
    public var isDepthwise: Bool { groups > 1 && kernel.shape[2] == 1 && groups == kernel.shape[3] }
    /// True for a 1×1 kernel with no padding: a GEMM over (possibly subsampled) pixels.
    public var isPointwise: Bool {
        guard kernelHeight == 1 && kernelWidth == 1 && groups == 1 else { return false }
        if case .explicit(let t, let b, let l, let r) = padding { return t == 0 && b == 0 && l == 0 && r == 0 }
        return true  // SAME pads nothing for a 1×1 window; VALID never pads
    }

    /// The same layer with another epilogue activation (kernel storage is shared).
    public func with(activation: Activation) -> ConvolutionLayer {
        ConvolutionLayer(kernel: kernel, bias: bias, stride: stride, padding: padding, groups: groups,
                         activation: activation, name: name)
    }

    /// Folds an inference batch norm that follows this convolution into its kernel and bias.
    ///
    /// With `s = γ/√(σ²+ε)` per output channel: `w' = w·s`, `b' = (b − μ)·s + β`, so that
    /// `conv'(x) = BN(conv(x))` in exact arithmetic. Numerical contract: `s`, `w'` and `b'` are
    /// computed in Double and each rounded once to Float (≤ 0.5 ulp from the exact real value);
    /// the folded convolution then differs from TF's float `conv → (y−μ)·s+β` only by the
    /// rounding of the two pipelines, a relative error of a few `K·2⁻²⁴` of the output scale
    /// (`K = kh·kw·cin`), far below the seed's own CPU/GPU differences.
    ///
    /// - Parameter activation: the activation after the BN (e.g. `.relu`); nil keeps the layer's.
    public func foldingBatchNorm(_ bn: BatchNormParameters, activation: Activation? = nil) -> ConvolutionLayer {
        precondition(bn.channels == outputChannels, "BN has \(bn.channels) channels, conv has \(outputChannels) outputs")
        let s = bn.scaleFactors()
        let cout = outputChannels
        var folded = kernel
        folded.data.withUnsafeMutableBufferPointer { w in
            for i in 0..<w.count { w[i] = Float(Double(w[i]) * s[i % cout]) }
        }
        let newBias = (0..<cout).map { c -> Float in
            let b = Double(bias?[c] ?? 0), mean = Double(bn.mean[c]), beta = Double(bn.beta?[c] ?? 0)
            return Float((b - mean) * s[c] + beta)
        }
        return ConvolutionLayer(kernel: folded, bias: newBias, stride: stride, padding: padding, groups: groups,
                                activation: activation ?? self.activation, name: name)
    }

    /// Output geometry for an NHWC input of shape `[N, H, W, cin]`.
    public func geometry(inputShape: [Int]) -> ConvolutionGeometry {
        precondition(inputShape.count == 4, "convolution input must be NHWC, got shape \(inputShape)")
        precondition(inputShape[3] == inputChannels,
                     "input has \(inputShape[3]) channels, layer \(name ?? "") expects \(inputChannels)")
        let window = padding.resolve(inputHeight: inputShape[1], inputWidth: inputShape[2],
                                     kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        return ConvolutionGeometry(batch: inputShape[0], inputHeight: inputShape[1], inputWidth: inputShape[2],
                                   inputChannels: inputChannels, outputChannels: outputChannels,
                                   kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                                   groups: groups, window: window)
    }

    /// The engine-private prepacked form stored under `key`, built by `build` on first use.
    ///
    /// Thread-safe: concurrent callers wait for one build. The key should name the packing
    /// format and its parameters (e.g. `"simd.B.kc256.nr32"`), not the engine instance.
    public func prepacked<T: AnyObject>(_ key: String, build: () -> T) -> T {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let existing = cache[key] as? T { return existing }
        let made = build()
        cache[key] = made
        return made
    }
}

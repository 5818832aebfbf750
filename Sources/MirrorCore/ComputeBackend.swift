/// The compute engines mirror can run a network on (`--backend naive|simd|blas`).
public enum BackendKind: String, CaseIterable, Hashable, Sendable {
    /// Plain Swift loops straight from the definitions: the reference the others are tested against.
    case naive
    /// Pure Swift: SIMD register-blocked GEMM, direct depthwise kernel, multi-threaded.
    case simd
    /// OpenBLAS `cblas_sgemm` behind im2col; depthwise and cheap ops delegated.
    case blas

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .naive: return "plain Swift reference loops (slow, exact order of the definitions)"
        case .simd: return "Swift SIMD, register- and cache-blocked GEMM, multi-threaded"
        case .blas: return "OpenBLAS sgemm behind im2col"
        }
    }
}

/// An engine that runs the layer ops of the networks (ggml-style: op-centred, one method per op).
///
/// Layout: every feature map is an NHWC `Tensor` `[N, H, W, C]`, channel fastest. Matrices are
/// row-major. Ops return new tensors and never mutate their inputs.
///
/// Engines override only what they accelerate. Default implementations of the cheap ops
/// (pools, LRN, elementwise, concat, BN) are the naive reference kernels, provided by the
/// `NaiveBackend` module in `ComputeBackend+NaiveDefaults.swift`; an engine module imports
/// `NaiveBackend` to inherit them ("fall back instead of duplicating", STYLE example 3). Callers
/// (networks, retrieval) need only `MirrorCore` and an `any ComputeBackend`.
///
/// Numerical contract: every engine agrees with `naive` within the per-op bounds stated in
/// `Docs/ENGINES.md` and checked by `Tests/EngineTests` (exact for max-pool, concat, activations
/// and addition; relative error ≤ 1e-5 of the output scale for convolutions and GEMM).
///
/// Training: the protocol also carries the backward passes (convolution input and filter
/// gradients, activation, max/avg-pool, LRN, global/regional max-pool, channel split), whose
/// defaults are the reference kernels too; `simd` and `blas` override the two convolution
/// gradients (GEMM + col2im, transposed forward convolutions, direct depthwise kernels) and the
/// activation and pool gradients. Tie rule, error bounds and algorithms: `Docs/ENGINES.md`,
/// "Backward passes".
public protocol ComputeBackend: AnyObject, Sendable {
    var kind: BackendKind { get }
    /// Worker threads this engine uses (OpenBLAS's thread count for `blas`).
    var threads: Int { get }

    /// 2-D convolution of an NHWC input `[N, H, W, layer.inputChannels]` with the layer's padding,
    /// stride, groups and bias, plus `residual` when given (same shape as the output), then the
    /// layer's activation: `act(conv(x) + bias + residual)`. Returns `[N, outH, outW, cout]`.
    ///
    /// The residual form is a ResNet/EfficientNet block's `add → relu` fused into the last
    /// convolution's epilogue, saving one pass over the output.
    func conv2d(_ input: Tensor, _ layer: ConvolutionLayer, adding residual: Tensor?) -> Tensor

    /// Row-major single-precision GEMM with BLAS semantics:
    /// `C[m×n] = alpha·op(A)·op(B) + beta·C`, where `op(A)` is `m×k` (A stored `k×m` if
    /// `transposeA`), `op(B)` is `k×n`. When `beta == 0`, C is not read (NaN in C is ignored).
    func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// Max-pooling with a `window×window` window; padded cells never win (−∞), so an
    /// all-negative input gives negative maxima (SPEC §2).
    func maxPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor
    /// Average pooling; each output divides by the number of **valid** (unpadded) cells it saw,
    /// as TF's SAME avg-pool does (SPEC §2). Explicit padding counts the same way.
    func avgPool(_ input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor
    /// Mean over H and W: `[N, H, W, C] → [N, C]`.
    func globalAveragePool(_ input: Tensor) -> Tensor
    /// TF local response normalisation across channels:
    /// `y = x / (bias + alpha·Σ_{|c'−c|≤r} x[c']²)^beta`, alpha **not** divided by the window size.
    func lrn(_ input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor
    /// Elementwise `act(a + b)` of equal shapes (the residual addition).
    func add(_ a: Tensor, _ b: Tensor, activation: Activation) -> Tensor
    /// Concatenation along the last (channel) axis; all other extents must match.
    func concatChannels(_ inputs: [Tensor]) -> Tensor
    /// Pointwise activation.
    func activate(_ input: Tensor, _ activation: Activation) -> Tensor
    /// Inference batch norm over the last axis, TF CPU order `act((x − μ)·s + β)`,
    /// `s = γ/√(σ²+ε)`. Networks normally fold BN into the preceding convolution instead.
    func batchNorm(_ input: Tensor, _ parameters: BatchNormParameters, activation: Activation) -> Tensor

    /// One inverted-residual block, `project(depthwise(expand(x))) [+ x]`: equal, within the
    /// convolution bound, to `block.composed(input, on: self)` (the default). Engines that
    /// override it run the three layers band by band so the widened tensor stays in cache.
    func invertedBottleneck(_ input: Tensor, _ block: InvertedBottleneck) -> Tensor

    // MARK: Regional max-pooling (MAC / R-MAC heads)

    /// Global max-pooling (MAC): `[N, H, W, C] → [N, C]`, the maximum over every cell (starting
    /// from −∞ and replacing on `>`, as `maxPool`, so a NaN never wins).
    func globalMaxPool(_ input: Tensor) -> Tensor
    /// Regional max-pooling (R-MAC): `[N, H, W, C] → [N, R, C]`, the maximum of each channel over
    /// each rectangle of `regions` (in the order given; every region must lie inside the map).
    func regionalMaxPool(_ input: Tensor, regions: [PoolingRegion]) -> Tensor

    // MARK: Backward passes (training)
    //
    // Each takes the gradient of a scalar loss w.r.t. an op's output and returns it w.r.t. the
    // op's input (or parameters), in the forward op's layout. Residual addition needs no op (its
    // backward is the identity for both addends); concatenation's backward is `splitChannels`.
    // Engines agree with the reference within the bounds in Docs/ENGINES.md, "Backward passes".

    /// `∂L/∂x` of a convolution, shape `inputShape` (NHWC). `gradOutput` (`[N, outH, outW, cout]`)
    /// is the gradient w.r.t. the **pre-activation** output `conv(x) + bias (+ residual)`: callers
    /// apply `activationBackward` first; the layer's activation is ignored here. Padded cells
    /// receive nothing; input cells no window reads (VALID/strided leftovers) get 0.
    func conv2dBackwardInput(_ gradOutput: Tensor, _ layer: ConvolutionLayer, inputShape: [Int]) -> Tensor
    /// `∂L/∂w` (HWIO, the shape of `layer.kernel`) and `∂L/∂b` (`[cout]`) of a convolution, both
    /// summed over the batch; `gradOutput` is pre-activation as for `conv2dBackwardInput`.
    func conv2dBackwardFilter(_ input: Tensor, _ gradOutput: Tensor, _ layer: ConvolutionLayer) -> ConvolutionGradients
    /// `∂L/∂x` of `y = act(x)` given the forward **output** `y` (what a training step keeps):
    /// `relu` passes the gradient where `y > 0`; `relu6` where `0 < y < 6` (strict at both ends,
    /// as PyTorch's relu6/hardtanh backward); `none` passes everything.
    func activationBackward(_ gradOutput: Tensor, output: Tensor, _ activation: Activation) -> Tensor
    /// `∂L/∂x` of `maxPool`: each output cell's gradient goes to the **first** maximum of its
    /// window in scan order (`ky`, then `kx`), PyTorch's `max_pool2d` tie rule; padded cells never
    /// win. A window whose in-bounds cells never beat −∞ (all −∞ or NaN) sends it to its first
    /// in-bounds cell. Gradients of overlapping windows add up.
    func maxPoolBackward(_ gradOutput: Tensor, input: Tensor, window: Int, stride: Int, padding: Padding) -> Tensor
    /// `∂L/∂x` of `avgPool`: each output cell's gradient divided by the number of **valid** cells
    /// of its window (as the forward divides), added to each of them.
    func avgPoolBackward(_ gradOutput: Tensor, inputShape: [Int], window: Int, stride: Int, padding: Padding) -> Tensor
    /// `∂L/∂x` of TF `lrn` with the same parameters (alpha not divided by the window size):
    /// `dx_j = g_j·D_j^−β − 2αβ·x_j·Σ_{|c−j|≤r} g_c·x_c·D_c^(−β−1)`, `D_c = bias + α·Σ_{|c'−c|≤r} x_c'²`.
    func lrnBackward(_ gradOutput: Tensor, input: Tensor, depthRadius: Int, bias: Float, alpha: Float, beta: Float) -> Tensor
    /// `∂L/∂x` of `globalMaxPool`: each `[n, c]` gradient goes to the first maximum of its plane in
    /// scan order (`y`, then `x`); zeros elsewhere.
    func globalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor
    /// `∂L/∂x` of `regionalMaxPool`: each `[n, r, c]` gradient goes to the first maximum of region
    /// `r` in scan order (`y`, then `x`); overlapping regions add up.
    func regionalMaxPoolBackward(_ gradOutput: Tensor, input: Tensor, regions: [PoolingRegion]) -> Tensor
    /// Concatenation's backward: `[..., Σwidths]` cut along the last axis into pieces of the given
    /// channel widths, in order (`concatChannels(splitChannels(x, widths: w)) == x`).
    func splitChannels(_ input: Tensor, widths: [Int]) -> [Tensor]
}

extension ComputeBackend {
    public func invertedBottleneck(_ input: Tensor, _ block: InvertedBottleneck) -> Tensor {
        block.composed(input, on: self)
    }

    /// `act(conv(x) + bias)`.
    public func conv2d(_ input: Tensor, _ layer: ConvolutionLayer) -> Tensor {
        conv2d(input, layer, adding: nil)
    }

    /// Residual addition without activation.
    public func add(_ a: Tensor, _ b: Tensor) -> Tensor { add(a, b, activation: .none) }
    public func relu(_ input: Tensor) -> Tensor { activate(input, .relu) }
    public func relu6(_ input: Tensor) -> Tensor { activate(input, .relu6) }

    /// Matrix product of 2-D tensors: `op(a)·op(b)`, `[m, k]·[k, n] → [m, n]`.
    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul takes matrices, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · "
                     + "\(b.shape)\(transposeB ? "ᵀ" : "")")
        return Tensor(shape: [m, n], initializingWith: { c in
            guard m > 0 && n > 0 else { return }
            guard k > 0 else { c.update(repeating: 0); return }
            a.data.withUnsafeBufferPointer { pa in
                b.data.withUnsafeBufferPointer { pb in
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                         a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                         beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        })
    }

    /// A fully connected layer: `act(input·weights + bias)` for `input [N, in]`,
    /// `weights [in, out]` (TF dense kernel layout) and `bias [out]`.
    public func dense(_ input: Tensor, weights: Tensor, bias: [Float]?, activation: Activation = .none) -> Tensor {
        var out = matmul(input, weights)
        let n = out.shape[1]
        precondition(bias.map { $0.count == n } ?? true, "dense bias has \(bias?.count ?? 0) values for \(n) outputs")
        out.data.withUnsafeMutableBufferPointer { y in
            for i in 0..<y.count { y[i] = activation.apply(y[i] + (bias?[i % n] ?? 0)) }
        }
        return out
    }
}

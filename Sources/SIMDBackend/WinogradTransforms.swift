import MirrorCore

/// Winograd F(2×2, 3×3) transforms (Lavin & Gray 2016) for NHWC data, vectorised over 16
/// channels. A 2×2 output tile is `Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A` for the 4×4 input tile `d` and
/// the 3×3 kernel `g`, with
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
///     G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
///
/// Summed over input channels the element-wise product becomes 16 independent GEMMs
/// `M_ξ[tiles × cout] = V_ξ[tiles × cin] · U_ξ[cin × cout]`, ξ = 4i + j. Shared by the SIMD
/// and BLAS engines; channel counts must be multiples of 16.
public enum WinogradTransforms {
    typealias Vector = SIMD16<Float>

    /// The 16 transformed kernels `U_ξ` as row-major `[cin × cout]` matrices, `U_ξ` at offset
    /// `ξ·cin·cout`, computed in Double from the HWIO kernel `[3, 3, cin, cout]` and rounded once.
    public static func transformKernel(_ kernel: Tensor) -> [Float] {
        precondition(kernel.rank == 4 && kernel.shape[0] == 3 && kernel.shape[1] == 3, "Winograd F(2,3) needs a 3×3 kernel")
        let cin = kernel.shape[2], cout = kernel.shape[3], plane = cin * cout
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var u = [Float](repeating: 0, count: 16 * plane)
        for ci in 0..<cin {
            for co in 0..<cout {
                let w = (0..<3).map { ky in (0..<3).map { kx in Double(kernel.data[((ky * 3 + kx) * cin + ci) * cout + co]) } }
                for i in 0..<4 {
                    // (G w)[i][kx], then · Gᵀ.
                    let row = (0..<3).map { kx in (0..<3).reduce(0.0) { $0 + g[i][$1] * w[$1][kx] } }
                    for j in 0..<4 {
                        let value = (0..<3).reduce(0.0) { $0 + row[$1] * g[j][$1] }
                        u[(i * 4 + j) * plane + ci * cout + co] = Float(value)
                    }
                }
            }
        }
        return u
    }

    /// Whether a layer can use F(2×2, 3×3): 3×3, stride 1, ungrouped, channel counts multiples of 16.
    public static func applies(to layer: ConvolutionLayer) -> Bool {
        layer.kernelHeight == 3 && layer.kernelWidth == 3 && layer.stride == 1 && layer.groups == 1
            && layer.inputChannels % 16 == 0 && layer.outputChannels % 16 == 0
    }

    /// Whether an engine should run this layer on this input by F(2×2, 3×3) rather than by its
    /// im2col GEMM: the layer `applies`, and the map is at least `smallestPayingSide` on each side
    /// or the whole batch has fewer than 64 tiles per worker (then the 16 products are shared out
    /// whole, which stays ahead of a GEMM with that few rows).
    ///
    /// Why: on maps under 28×28 a batch of images gives im2col enough rows for full-speed GEMM,
    /// while the F(2×2) tiles of an odd 7×7 map waste 31 % and their transforms no longer hide
    /// behind the products. Measured on ResNet-50's training step (224, 24 images, `blas`, 2
    /// threads, `mirror bench --task train --layer`), forward + input gradient per stage: res2
    /// 419 ms Winograd vs 648 im2col, res3 583 vs 829, res4 1349 vs 1297, res5 1909 vs 696.
    public static func pays(for layer: ConvolutionLayer, inputShape: [Int], threads: Int) -> Bool {
        guard applies(to: layer), inputShape.count == 4 else { return false }
        let tiling = WinogradTiling(layer.geometry(inputShape: inputShape))
        let side = min(tiling.geometry.outputHeight, tiling.geometry.outputWidth)
        return side >= smallestPayingSide || tiling.tiles < 64 * threads
    }

    /// See `pays(for:inputShape:threads:)`.
    public static let smallestPayingSide = 28

    /// Input transforms of tiles `first..<first+count` (tiles numbered over `(n, ty, tx)` in
    /// NHWC order) into `v`, where `V_ξ` rows are `cin` floats and planes `planeTiles` rows
    /// apart: tile `first + t` of plane ξ is at `v + (ξ·planeTiles + t)·cin`.
    public static func transformInputTiles(_ tiling: WinogradTiling, input: UnsafePointer<Float>, first: Int,
                                           count: Int, planeTiles: Int, into v: UnsafeMutablePointer<Float>) {
        let g = tiling.geometry, cin = g.inputChannels
        for t in 0..<count {
            let (n, ty, tx) = tiling.position(of: first + t)
            inputTile(image: input + n * g.inputHeight * g.inputWidth * cin, height: g.inputHeight, width: g.inputWidth,
                      channels: cin, y0: 2 * ty - g.padTop, x0: 2 * tx - g.padLeft, v: v + t * cin,
                      planeStride: planeTiles * cin)
        }
    }

    /// Output transforms of tiles `first..<first+count` from products laid out like `V`
    /// (`M_ξ` rows of `cout` floats, planes `planeTiles` rows apart, tile `first` at `m`) into
    /// the NHWC output, adding the bias and the residual tensor (output-shaped) if any, then
    /// the activation.
    public static func transformOutputTiles(_ tiling: WinogradTiling, products m: UnsafePointer<Float>, first: Int,
                                            count: Int, planeTiles: Int, bias: UnsafePointer<Float>?,
                                            residual: UnsafePointer<Float>?, activation: Activation,
                                            into output: UnsafeMutablePointer<Float>) {
        let g = tiling.geometry, cout = g.outputChannels
        let imageSize = g.outputHeight * g.outputWidth * cout
        for t in 0..<count {
            let (n, ty, tx) = tiling.position(of: first + t)
            outputTile(m: m + t * cout, planeStride: planeTiles * cout, bias: bias,
                       residual: residual.map { $0 + n * imageSize }, activation: activation,
                       output: output + n * imageSize, height: g.outputHeight,
                       width: g.outputWidth, channels: cout, y0: 2 * ty, x0: 2 * tx)
        }
    }

    /// `V = Bᵀ d B` for the 4×4 input tile with top-left input cell `(y0, x0)` (may lie in the
    /// padding; cells outside the image are zero) of image `image` (`[H, W, C]`), writing
    /// `V_ξ[c]` to `v + ξ·planeStride + c` for every channel.
    @inline(__always)
    static func inputTile(image: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
                                 y0: Int, x0: Int, v: UnsafeMutablePointer<Float>, planeStride: Int) {
        // Rows/columns of the tile inside the image; out-of-range ones read as zero.
        var c = 0
        while c < channels {
            var rows = (Row4(), Row4(), Row4(), Row4())
            for i in 0..<4 {
                let y = y0 + i
                guard y >= 0 && y < height else { continue }
                let line = image + (y * width) * channels + c
                var d = Row4()
                if x0 >= 0 && x0 + 3 < width {
                    let base = UnsafeRawPointer(line + x0 * channels)
                    let step = channels * 4
                    d = Row4(base.loadUnaligned(as: Vector.self),
                             base.loadUnaligned(fromByteOffset: step, as: Vector.self),
                             base.loadUnaligned(fromByteOffset: 2 * step, as: Vector.self),
                             base.loadUnaligned(fromByteOffset: 3 * step, as: Vector.self))
                } else {
                    func load(_ j: Int) -> Vector {
                        let x = x0 + j
                        guard x >= 0 && x < width else { return Vector() }
                        return UnsafeRawPointer(line + x * channels).loadUnaligned(as: Vector.self)
                    }
                    d = Row4(load(0), load(1), load(2), load(3))
                }
                // d·B: columns (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
                let w = Row4(d.a - d.c, d.b + d.c, d.c - d.b, d.b - d.d)
                switch i {
                case 0: rows.0 = w
                case 1: rows.1 = w
                case 2: rows.2 = w
                default: rows.3 = w
                }
            }
            // Bᵀ·(d·B): rows (w0 − w2, w1 + w2, w2 − w1, w1 − w3).
            let out = UnsafeMutableRawPointer(v + c)
            let stride = planeStride * 4
            (rows.0 - rows.2).store(to: out, byteOffset: 0, stride: stride)
            (rows.1 + rows.2).store(to: out, byteOffset: 4 * stride, stride: stride)
            (rows.2 - rows.1).store(to: out, byteOffset: 8 * stride, stride: stride)
            (rows.1 - rows.3).store(to: out, byteOffset: 12 * stride, stride: stride)
            c += 16
        }
    }

    /// `Y = Aᵀ M A` for one tile, reading `M_ξ[c]` at `m + ξ·planeStride + c`, then bias,
    /// residual (an image laid out like `output`) and activation, storing the in-bounds part of
    /// the 2×2 output at `(y0, x0)` of `output` (`[outH, outW, C]`).
    @inline(__always)
    static func outputTile(m: UnsafePointer<Float>, planeStride: Int, bias: UnsafePointer<Float>?,
                           residual: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>,
                                  height: Int, width: Int, channels: Int, y0: Int, x0: Int) {
        let rowsValid = min(2, height - y0), columnsValid = min(2, width - x0)
        var c = 0
        while c < channels {
            let source = UnsafeRawPointer(m + c)
            let stride = planeStride * 4
            let m0 = Row4(load: source, byteOffset: 0, stride: stride)
            let m1 = Row4(load: source, byteOffset: 4 * stride, stride: stride)
            let m2 = Row4(load: source, byteOffset: 8 * stride, stride: stride)
            let m3 = Row4(load: source, byteOffset: 12 * stride, stride: stride)
            let s0 = m0 + m1 + m2, s1 = m1 - m2 - m3
            var y00 = s0.a + s0.b + s0.c, y01 = s0.b - s0.c - s0.d
            var y10 = s1.a + s1.b + s1.c, y11 = s1.b - s1.c - s1.d
            if let bias {
                let b = UnsafeRawPointer(bias + c).loadUnaligned(as: Vector.self)
                y00 += b; y01 += b; y10 += b; y11 += b
            }
            let offset = ((y0 * width) + x0) * channels + c
            let target = UnsafeMutableRawPointer(output + offset)
            let pixel = channels * 4, line = width * channels * 4
            if let residual {
                // Only in-bounds pixels exist in the residual image.
                let r = UnsafeRawPointer(residual + offset)
                y00 += r.loadUnaligned(as: Vector.self)
                if columnsValid > 1 { y01 += r.loadUnaligned(fromByteOffset: pixel, as: Vector.self) }
                if rowsValid > 1 {
                    y10 += r.loadUnaligned(fromByteOffset: line, as: Vector.self)
                    if columnsValid > 1 { y11 += r.loadUnaligned(fromByteOffset: line + pixel, as: Vector.self) }
                }
            }
            target.storeBytes(of: VectorActivation.apply(activation, y00), as: Vector.self)
            if columnsValid > 1 {
                target.storeBytes(of: VectorActivation.apply(activation, y01), toByteOffset: pixel, as: Vector.self)
            }
            if rowsValid > 1 {
                target.storeBytes(of: VectorActivation.apply(activation, y10), toByteOffset: line, as: Vector.self)
                if columnsValid > 1 {
                    target.storeBytes(of: VectorActivation.apply(activation, y11), toByteOffset: line + pixel,
                                      as: Vector.self)
                }
            }
            c += 16
        }
    }
}

/// The 2×2 output tiles of one convolution: `ceil(outH/2) × ceil(outW/2)` per image.
public struct WinogradTiling {
    public let geometry: ConvolutionGeometry
    public let tileRows: Int, tileColumns: Int

    public init(_ geometry: ConvolutionGeometry) {
        self.geometry = geometry
        tileRows = (geometry.outputHeight + 1) / 2
        tileColumns = (geometry.outputWidth + 1) / 2
    }

    /// Tiles over the whole batch.
    public var tiles: Int { geometry.batch * tileRows * tileColumns }

    /// Image and tile coordinates of tile number `tile`.
    @inline(__always)
    public func position(of tile: Int) -> (n: Int, ty: Int, tx: Int) {
        let perImage = tileRows * tileColumns
        return (tile / perImage, tile % perImage / tileColumns, tile % tileColumns)
    }
}

/// Four channel vectors: one row (or column) of a 4×4 tile.
struct Row4 {
    typealias Vector = SIMD16<Float>
    var a = Vector(), b = Vector(), c = Vector(), d = Vector()

    init() {}

    @inline(__always)
    init(_ a: Vector, _ b: Vector, _ c: Vector, _ d: Vector) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }

    /// Loads vectors at `byteOffset + k·stride`, k = 0..3.
    @inline(__always)
    init(load base: UnsafeRawPointer, byteOffset: Int, stride: Int) {
        a = base.loadUnaligned(fromByteOffset: byteOffset, as: Vector.self)
        b = base.loadUnaligned(fromByteOffset: byteOffset + stride, as: Vector.self)
        c = base.loadUnaligned(fromByteOffset: byteOffset + 2 * stride, as: Vector.self)
        d = base.loadUnaligned(fromByteOffset: byteOffset + 3 * stride, as: Vector.self)
    }

    @inline(__always)
    func store(to base: UnsafeMutableRawPointer, byteOffset: Int, stride: Int) {
        base.storeBytes(of: a, toByteOffset: byteOffset, as: Vector.self)
        base.storeBytes(of: b, toByteOffset: byteOffset + stride, as: Vector.self)
        base.storeBytes(of: c, toByteOffset: byteOffset + 2 * stride, as: Vector.self)
        base.storeBytes(of: d, toByteOffset: byteOffset + 3 * stride, as: Vector.self)
    }

    @inline(__always) static func + (l: Row4, r: Row4) -> Row4 { Row4(l.a + r.a, l.b + r.b, l.c + r.c, l.d + r.d) }
    @inline(__always) static func - (l: Row4, r: Row4) -> Row4 { Row4(l.a - r.a, l.b - r.b, l.c - r.c, l.d - r.d) }
}

/// The 6×16 micro-kernel of the filter gradient `C[K × cout] += Aᵀ·B`, where both operands are
/// pixel-major: `A [P × K]` (im2col rows, or the NHWC input in place for a 1×1 layer) and
/// `B [P × cout]` (the output gradient, packed into 16-column panels by `packPanels`). The
/// reduction runs over the P pixels, so neither operand needs transposing: each step broadcasts
/// six consecutive values of one A row and loads one 16-wide B panel row.
///
/// Why 6×16 and not the forward GEMM's 6×32: the tile's six `SIMD16<Float>` accumulators fit
/// in the 16 ymm registers of an AVX2 machine (12 halves) alongside B and the broadcast, where
/// twelve would spill; on AVX-512 they are six zmm registers. The narrower panel also wastes
/// less on the narrow output widths of EfficientNet's projections (16, 24, 40 channels).
enum WeightGradientKernel {
    typealias Vector = SIMD16<Float>
    static let rows = 6
    static let columns = 16

    /// `C[r, j] (+)= Σ_{p < depth} a[r·rowStride + p·depthStride] · b[p·bStride + j]` for `r < rows`
    /// (≤ 6) and `j < columns` (≤ 16); `c` has leading dimension `ldc` and is added to when
    /// `accumulate`, else overwritten. The filter gradient reads A transposed (`rowStride` 1,
    /// `depthStride` lda); `NarrowPointwiseGradient` reads it row-major. Each element's sum runs
    /// over `p` in order in a register and meets C once, so results do not depend on tiling.
    @inline(__always)
    static func run(depth: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, rows: Int,
                    b: UnsafePointer<Float>, bStride: Int = 16, c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int,
                    accumulate: Bool = true) {
        // Rows past the edge re-read row 0; their sums are discarded.
        let o1 = rows > 1 ? rowStride : 0, o2 = rows > 2 ? 2 * rowStride : 0, o3 = rows > 3 ? 3 * rowStride : 0
        let o4 = rows > 4 ? 4 * rowStride : 0, o5 = rows > 5 ? 5 * rowStride : 0
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<depth {
            let bv = bp.loadUnaligned(as: Vector.self)
            c0 = c0.addingProduct(Vector(repeating: ap[0]), bv)
            c1 = c1.addingProduct(Vector(repeating: ap[o1]), bv)
            c2 = c2.addingProduct(Vector(repeating: ap[o2]), bv)
            c3 = c3.addingProduct(Vector(repeating: ap[o3]), bv)
            c4 = c4.addingProduct(Vector(repeating: ap[o4]), bv)
            c5 = c5.addingProduct(Vector(repeating: ap[o5]), bv)
            ap += depthStride
            bp += bStride * 4
        }
        if columns == 16 {
            @inline(__always) func store(_ v: Vector, _ row: Int) {
                let raw = UnsafeMutableRawPointer(c + row * ldc)
                raw.storeBytes(of: accumulate ? raw.loadUnaligned(as: Vector.self) + v : v, as: Vector.self)
            }
            store(c0, 0)
            if rows > 1 { store(c1, 1) }
            if rows > 2 { store(c2, 2) }
            if rows > 3 { store(c3, 3) }
            if rows > 4 { store(c4, 4) }
            if rows > 5 { store(c5, 5) }
        } else {
            withUnsafeTemporaryAllocation(of: Vector.self, capacity: 6) { tile in
                tile[0] = c0; tile[1] = c1; tile[2] = c2; tile[3] = c3; tile[4] = c4; tile[5] = c5
                for r in 0..<rows {
                    for j in 0..<columns { c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j] }
                }
            }
        }
    }

    /// Packs `b [rows × n]` (leading dimension `ldb`) into ⌈n/16⌉ panels of `rows × 16` floats,
    /// panel `q` at `panels + q·rows·16`, zero beyond column n. `panels` holds `rows·⌈n/16⌉·16`.
    static func packPanels(_ b: UnsafePointer<Float>, ldb: Int, rows: Int, n: Int, into panels: UnsafeMutablePointer<Float>) {
        let count = (n + columns - 1) / columns
        for q in 0..<count {
            let first = q * columns, width = min(columns, n - first)
            var destination = panels + q * rows * columns
            var source = b + first
            for _ in 0..<rows {
                destination.update(from: source, count: width)
                if width < columns { (destination + width).update(repeating: 0, count: columns - width) }
                destination += columns
                source += ldb
            }
        }
    }

    /// `c[K' × n] += aᵀ·b` for `a [rows × K']` (leading dimension `lda`, the columns this call
    /// owns) and `b` (`rows × n`) either packed by `packPanels` (`panelOffset = rows·16`,
    /// `bStride = 16`) or, when `n` is a multiple of 16, read in place (`panelOffset = 16`,
    /// `bStride = ldb`), on the calling thread. Pixels go in blocks of 256 (a panel's block is
    /// 16 KiB when packed) and C rows in blocks of 96, so the A columns a block reads (`256 × 96`
    /// floats, strided) stay in L2 while every B panel passes over them.
    static func accumulate(a: UnsafePointer<Float>, lda: Int, k: Int, rows: Int, b: UnsafePointer<Float>,
                           panelOffset: Int, bStride: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let panelCount = (n + columns - 1) / columns
        for first in stride(from: 0, to: rows, by: 256) {
            let depth = min(256, rows - first)
            for block in stride(from: 0, to: k, by: 96) {
                let blockEnd = min(k, block + 96)
                for q in 0..<panelCount {
                    let panel = b + q * panelOffset + first * bStride
                    for i in stride(from: block, to: blockEnd, by: Self.rows) {
                        run(depth: depth, a: a + first * lda + i, rowStride: 1, depthStride: lda,
                            rows: min(Self.rows, blockEnd - i), b: panel, bStride: bStride, c: c + i * ldc + q * columns,
                            ldc: ldc, columns: min(columns, n - q * columns))
                    }
                }
            }
        }
    }
}

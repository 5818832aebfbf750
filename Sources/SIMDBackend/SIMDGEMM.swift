import MirrorCore
/// Where a GEMM's left operand rows come from: in place, or produced per row chunk into a
/// worker's scratch buffer (im2col patches, subsampled pixels, a transposed matrix).
public struct RowSource {
    /// Floats per row of worker-private scratch the producer needs; 0 when rows are read in place.
    public let scratchColumns: Int
    /// Returns a pointer to row `first` and the leading dimension for rows `first..<first+count`,
    /// filling `scratch` (room for `count·scratchColumns` floats; nil when `scratchColumns == 0`).
    public let rows: (_ first: Int, _ count: Int, _ scratch: UnsafeMutablePointer<Float>?) -> (UnsafePointer<Float>, Int)

    public init(scratchColumns: Int,
                rows: @escaping (Int, Int, UnsafeMutablePointer<Float>?) -> (UnsafePointer<Float>, Int)) {
        self.scratchColumns = scratchColumns
        self.rows = rows
    }

    /// A row-major matrix read in place.
    public static func matrix(_ a: UnsafePointer<Float>, lda: Int) -> RowSource {
        RowSource(scratchColumns: 0) { first, _, _ in (a + first * lda, lda) }
    }

    /// `Aᵀ` for a row-major `a [k × m]`: each chunk of rows is transposed into scratch.
    public static func transposed(_ a: UnsafePointer<Float>, lda: Int, k: Int) -> RowSource {
        RowSource(scratchColumns: k) { first, count, scratch in
            let scratch = scratch!
            for p in 0..<k {
                let source = a + p * lda + first
                for r in 0..<count { scratch[r * k + p] = source[r] }
            }
            return (UnsafePointer(scratch), k)
        }
    }
}

/// The SIMD engine's GEMM: `C[m × n] = epilogue(A · B)` with A rows from a `RowSource` and B a
/// `PackedMatrix`, blocked for the cache hierarchy and split over threads.
///
/// Blocking (BLIS order): the m rows are cut into equal chunks of at most `rowsPerChunk` rows
/// (multiple of 6; smaller when that gives each thread several chunks); a work item is one
/// chunk (× one group of column panels when there are still too few chunks for the threads).
/// Within an item, for each K block of `blockDepth` (256: a 6×256 A sliver is 6 KiB and a
/// 256×32 B panel 32 KiB, both L1/L2-resident), for each 32-column panel, the 6×32
/// micro-kernel sweeps the chunk's rows. C tiles are revisited once per K block.
public enum SIMDGEMM {
    /// K block depth; part of the packing format (cache keys include it).
    public static let blockDepth = 256
    /// Floats of packed B per K block up to which an item sweeps row groups outermost (256 KiB).
    static let rowMajorSweepLimit = 1 << 16

    /// Multiplies the `m` rows of `source` by `packed` (`k × n`), writing `C` (leading dimension
    /// `ldc`) through `epilogue`. `k == packed.rows ≥ 1`.
    public static func multiply(m: Int, source: RowSource, packed: PackedMatrix,
                                c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: GEMMEpilogue, threads: Int) {
        guard m > 0 else { return }
        let k = packed.rows, n = packed.columns
        let (chunkRows, chunks) = rowChunks(m: m, maxRows: rowsPerChunk(k: k, scratchColumns: source.scratchColumns),
                                            threads: threads)
        let panels = packed.panelCount
        // Still too few items for every thread (small m): split the column panels as well.
        let groups = chunks >= 2 * threads ? 1 : min(panels, (4 * threads + chunks - 1) / chunks)
        let panelsPerGroup = (panels + groups - 1) / groups
        let scratchCount = chunkRows * source.scratchColumns
        Parallel.forEach(count: chunks * groups, threads: threads,
                         makeState: { scratchCount > 0 ? AlignedBuffer(count: scratchCount) : nil }) { scratch, item in
            let chunk = item / groups, group = item % groups
            let firstRow = chunk * chunkRows, rowCount = min(chunkRows, m - firstRow)
            // The last groups can start past the end when panels do not divide evenly (m = 4,
            // n = 384: 12 panels in 8 groups of 2); clamp both ends so the range is empty, not invalid.
            let panelRange = min(panels, group * panelsPerGroup)..<min(panels, (group + 1) * panelsPerGroup)
            guard !panelRange.isEmpty else { return }
            let (a, lda) = source.rows(firstRow, rowCount, scratch?.pointer)
            let blocks = packed.blockCount
            for block in 0..<blocks {
                let (start, depth) = packed.block(block)
                /// One micro-kernel call: rows `row..<row+6` × panel `panel` of this K block.
                @inline(__always) func tile(row: Int, panel: Int) {
                    let firstColumn = panel * GEMMKernel.columns
                    let offset = (firstRow + row) * ldc + firstColumn
                    GEMMKernel.run(depth: depth, a: a + row * lda + start, lda: lda,
                                   rows: min(GEMMKernel.rows, rowCount - row), b: packed.panel(block: block, panel: panel),
                                   c: c + offset, ldc: ldc, columns: min(GEMMKernel.columns, n - firstColumn),
                                   firstColumn: firstColumn, residual: epilogue.residual.map { $0 + offset },
                                   epilogue: epilogue, firstBlock: block == 0, lastBlock: block == blocks - 1)
                }
                if depth * panelRange.count * GEMMKernel.columns <= rowMajorSweepLimit {
                    // The block's B panels fit in L2: sweep each 6-row group across all panels, so C
                    // (and a residual) are written row by row, as contiguous streams.
                    for row in stride(from: 0, to: rowCount, by: GEMMKernel.rows) {
                        for panel in panelRange { tile(row: row, panel: panel) }
                    }
                } else {
                    // Keep one 32-column B panel in L1 while the chunk's rows stream past it.
                    for panel in panelRange {
                        for row in stride(from: 0, to: rowCount, by: GEMMKernel.rows) { tile(row: row, panel: panel) }
                    }
                }
            }
        }
    }

    /// Equal row chunks of at most `maxRows` rows (a multiple of 6): at least four per thread when
    /// that leaves 48 rows or more per chunk, so that dynamic hand-out balances the threads.
    static func rowChunks(m: Int, maxRows: Int, threads: Int) -> (rows: Int, count: Int) {
        var count = (m + maxRows - 1) / maxRows
        if threads > 1 && count < 4 * threads { count = min(4 * threads, max(count, m / 48)) }
        let rows = ((m + count - 1) / count + GEMMKernel.rows - 1) / GEMMKernel.rows * GEMMKernel.rows
        return (rows, (m + rows - 1) / rows)
    }

    /// Rows per work item: a 256-deep A slice of the chunk fits in half the L2 (~256 KiB), and a
    /// scratch chunk (im2col rows) stays under 2 MiB; always a multiple of 6 and at least 6.
    static func rowsPerChunk(k: Int, scratchColumns: Int) -> Int {
        var rows = 256
        if scratchColumns > 0 { rows = min(rows, (2 << 20) / (4 * scratchColumns)) }
        return max(GEMMKernel.rows, rows / GEMMKernel.rows * GEMMKernel.rows)
    }

    /// Full BLAS-style entry: `C = alpha·op(A)·op(B) + beta·C` (row-major). B is packed in column
    /// chunks of at most 32 MiB, so memory stays bounded for wide right-hand sides.
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        guard m > 0 && n > 0 else { return }
        guard k > 0 else {
            // No products: C = beta·C (and C is not read when beta == 0).
            for i in 0..<m {
                for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
            }
            return
        }
        let source = transposeA ? RowSource.transposed(a, lda: lda, k: k) : RowSource.matrix(a, lda: lda)
        let chunkColumns = max(GEMMKernel.columns, (8 << 20) / k / GEMMKernel.columns * GEMMKernel.columns)
        var firstColumn = 0
        while firstColumn < n {
            let columns = min(chunkColumns, n - firstColumn)
            let origin = transposeB ? b + firstColumn * ldb : b + firstColumn
            let packed = PackedMatrix(rows: k, columns: columns, blockDepth: blockDepth, from: origin,
                                      rowStride: transposeB ? 1 : ldb, columnStride: transposeB ? ldb : 1,
                                      threads: threads)
            multiply(m: m, source: source, packed: packed, c: c + firstColumn, ldc: ldc,
                     epilogue: GEMMEpilogue(alpha: alpha, beta: beta), threads: threads)
            firstColumn += columns
        }
    }
}

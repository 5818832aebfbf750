import MirrorCore
/// The right-hand GEMM operand `B [k × n]` rearranged for `GEMMKernel`: cut into K blocks of
/// `blockDepth` rows and, within a block, into panels of `GEMMKernel.columns` columns; each
/// panel stores its `depth × 32` values row by row, so the micro-kernel reads two contiguous
/// `SIMD16<Float>` per step. Columns beyond `n` are zero.
///
/// Layout: panel `(block, p)` starts at `blockStart·paddedColumns + p·depth·32`, where
/// `blockStart = block·blockDepth` and `depth = min(blockDepth, k − blockStart)`.
/// A convolution's kernel is packed once and cached on its `ConvolutionLayer`.
public final class PackedMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let blockDepth: Int
    public let paddedColumns: Int
    private let storage: AlignedBuffer

    /// Packs `B` whose element `(p, j)` is at `b[p·rowStride + j·columnStride]`, panels split
    /// over `threads`.
    public init(rows: Int, columns: Int, blockDepth: Int, from b: UnsafePointer<Float>,
                rowStride: Int, columnStride: Int, threads: Int = 1) {
        precondition(rows > 0 && columns > 0 && blockDepth > 0, "empty GEMM operand")
        let width = GEMMKernel.columns
        self.rows = rows
        self.columns = columns
        self.blockDepth = blockDepth
        paddedColumns = (columns + width - 1) / width * width
        storage = AlignedBuffer(count: rows * paddedColumns)
        let panels = paddedColumns / width
        let storage = self.storage, paddedColumns = self.paddedColumns
        Parallel.forEach(count: blockCount * panels, threads: threads) { item in
            let block = item / panels, panel = item % panels
            let start = block * blockDepth, depth = min(blockDepth, rows - start)
            let firstColumn = panel * width, validColumns = min(width, columns - firstColumn)
            var destination = storage.pointer + start * paddedColumns + panel * depth * width
            for p in start..<start + depth {
                let source = b + p * rowStride + firstColumn * columnStride
                if columnStride == 1 {
                    destination.update(from: source, count: validColumns)
                } else {
                    for j in 0..<validColumns { destination[j] = source[j * columnStride] }
                }
                (destination + validColumns).update(repeating: 0, count: width - validColumns)
                destination += width
            }
        }
    }

    public var blockCount: Int { (rows + blockDepth - 1) / blockDepth }
    public var panelCount: Int { paddedColumns / GEMMKernel.columns }

    /// First row of K block `block` and its depth.
    @inline(__always)
    public func block(_ block: Int) -> (start: Int, depth: Int) {
        let start = block * blockDepth
        return (start, min(blockDepth, rows - start))
    }

    /// The packed `depth × 32` panel `panel` of K block `block`.
    @inline(__always)
    public func panel(block: Int, panel: Int) -> UnsafePointer<Float> {
        let (start, depth) = self.block(block)
        return UnsafePointer(storage.pointer + start * paddedColumns + panel * depth * GEMMKernel.columns)
    }
}

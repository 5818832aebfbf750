import Foundation
import MirrorCore

/// Stage 1 of the two-stage search: for every query, the `k` database images whose global
/// vectors (`GlobalDescriptor`) have the largest dot product with the query's, ties to the lower
/// index (`tf.nn.top_k` order, as everywhere).
///
/// Cost and memory: one `[Q, D] · [N, D]ᵀ` product in blocks of `queryBlock` queries ×
/// `databaseBlock` images through sgemm, each tile reduced at once into a bounded top-k heap per
/// query; **memory = the results (`Q · k · 4` bytes) + `threads` tiles of `queryBlock ·
/// databaseBlock · 4` bytes (1 MiB each)**, never the `Q × N` score matrix.
enum GlobalShortlist {
    static let queryBlock = 128
    static let databaseBlock = 2048

    /// Candidate database indices, `[Q, min(k, N)]` row-major; each query's row ascending (the
    /// order stage 2 reads the database in). `queries` may be a part of a run of `totalQueries`
    /// starting at a multiple of `queryBlock` (`QueryPart`): BLAS is threaded as for the whole run.
    static func candidates(queries: [Float], database: [Float], dims: Int, k: Int, threads: Int,
                           queryBlock: Int = GlobalShortlist.queryBlock, totalQueries: Int? = nil) -> (indices: [Int32], perQuery: Int) {
        let queryCount = queries.count / dims, databaseCount = database.count / dims
        let kept = max(0, min(k, databaseCount))
        guard queryCount > 0, kept > 0 else { return ([], kept) }
        let table = TopKTable(queries: queryCount, k: kept)
        let blocks = (queryCount + queryBlock - 1) / queryBlock
        let workers = min(max(1, threads), blocks)
        let wholeRunBlocks = ((totalQueries ?? queryCount) + queryBlock - 1) / queryBlock
        DenseLinearAlgebra.withBLASThreads(min(max(1, threads), wholeRunBlocks) == 1 ? threads : 1) {
            queries.withUnsafeBufferPointer { qp in
                database.withUnsafeBufferPointer { dp in
                    // A worker owns whole query blocks, so their heaps need no lock.
                    Parallel.forEach(count: blocks, threads: workers, makeState: { AlignedBuffer(count: queryBlock * databaseBlock) }) { tile, block in
                        let q0 = block * queryBlock, qCount = min(queryBlock, queryCount - q0)
                        for d0 in stride(from: 0, to: databaseCount, by: databaseBlock) {
                            let dCount = min(databaseBlock, databaseCount - d0)
                            DenseLinearAlgebra.sgemmABt(m: qCount, n: dCount, k: dims, alpha: 1,
                                                        a: qp.baseAddress! + q0 * dims, lda: dims,
                                                        b: dp.baseAddress! + d0 * dims, ldb: dims, c: tile.pointer, ldc: dCount)
                            for a in 0..<qCount {
                                let row = tile.pointer + a * dCount
                                for column in 0..<dCount {
                                    table.offer(query: q0 + a, score: row[column], index: Int32(d0 + column))
                                }
                            }
                        }
                    }
                }
            }
        }
        var indices = [Int32](repeating: 0, count: queryCount * kept)
        for q in 0..<queryCount {
            let sorted = table.ranked(query: q).map { Int32($0.index) }.sorted()
            for (slot, index) in sorted.enumerated() { indices[q * kept + slot] = index }
        }
        return (indices, kept)
    }
}

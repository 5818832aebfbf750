import Foundation

/// PR-MAC matching (the seed's `match_gpu`, SPEC §4) in float32 with bounded memory.
///
/// For a query image with regions `Q[r]` and a database image n with regions `DB[n·R + r']`:
/// - cosine: `m[r, n] = max_{r'} Q[r]·DB[n·R + r']`, score = `Σ_r m[r, n]` (sequential float32
///   sum over r), or `max_r` with AML; ranked descending;
/// - Euclidean: squared distance `(|q|² − 2q·d) + |d|²`, min over database regions, sum (or max
///   with AML) over query regions, ranked ascending.
/// Ties keep the lower database index first (`tf.nn.top_k`); `top` is capped at the database size.
///
/// Cost and memory: the query × database region products are never held in full. Query blocks
/// × database blocks of whole images go through `cblas_sgemm` into a per-thread tile, which one
/// fused pass reduces to image scores, feeding a bounded top-k heap per query. **Peak memory =
/// features (queries + database, float32) + `memoryBudget` (tiles and block scores) + results
/// (`queries · top · 8` bytes).** The budget bounds the tile: `threads · (b·R)² · 4` bytes for
/// blocks of b images; b is also capped at about `preferredBlockRows / R` (cache-friendly tiles),
/// and is at least one image, so a budget below `threads · R² · 4` bytes is exceeded.
///
/// Self-matching (`queries == nil`) uses the symmetry `score(i, j)` / `score(j, i)` of the same
/// tile: each unordered block pair is multiplied once and reduced both ways (rows and columns),
/// halving the GEMM work; the results equal the plain path's.
///
/// Threads: `threads` workers take block pairs from a shared queue, each calling OpenBLAS
/// single-threaded; with a single block pair OpenBLAS itself gets the threads.
public struct PRMACMatcher: Sendable {
    public enum Metric: String, CaseIterable, Sendable {
        case cosine
        case euclidean
    }

    /// Database rows, `[count · regions, dims]` row-major float32.
    public let database: [Float]
    public let regions: Int
    public let dims: Int
    /// Working-memory budget in bytes for tiles and block scores (default 1 GiB).
    public var memoryBudget: Int
    /// Worker threads (default: all cores).
    public var threads: Int
    /// Upper bound on tile rows (and columns) when the budget allows more: keeps tiles near the
    /// size where sgemm is already at full speed and the reduction reads from cache.
    var preferredBlockRows = 1024

    /// Number of database images.
    public var count: Int { database.count / (regions * dims) }

    public init(database: [Float], regions: Int, dims: Int, memoryBudget: Int = 1 << 30,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(regions > 0 && dims > 0 && database.count % (regions * dims) == 0,
                     "database is not a whole number of \(regions)×\(dims) images")
        self.database = database
        self.regions = regions
        self.dims = dims
        self.memoryBudget = memoryBudget
        self.threads = max(1, threads)
    }

    /// Ranks the database for every query image; `queries == nil` means the database itself
    /// (self pairs included, as the seed). Result q lists `min(top, count)` matches, best first.
    public func match(queries: [Float]? = nil, top: Int, aml: Bool = false, metric: Metric = .cosine) -> [[Match]] {
        run(queries: queries, top: top, aml: aml, metric: metric, symmetric: queries == nil).results
    }

    /// Images per block for `workers` threads under the budget.
    func blockImages(workers: Int) -> Int {
        let perImagePair = Double(regions * regions * 4 + 8)
        let byBudget = Int((Double(memoryBudget) / Double(max(1, workers)) / perImagePair).squareRoot())
        return max(1, min(byBudget, max(1, preferredBlockRows / regions)))
    }

    /// The matcher proper. `symmetric` requires `queries == nil`; GEMM FLOPs are reported for benchmarks.
    func run(queries: [Float]?, top: Int, aml: Bool, metric: Metric,
             symmetric: Bool) -> (results: [[Match]], gemmFlops: Double) {
        precondition(!symmetric || queries == nil, "the symmetric path is for self-matching only")
        let queryRows = queries ?? database
        precondition(queryRows.count % (regions * dims) == 0, "queries are not whole \(regions)×\(dims) images")
        let queryCount = queryRows.count / (regions * dims), databaseCount = count
        let k = max(0, min(top, databaseCount))
        guard queryCount > 0, k > 0 else { return (Array(repeating: [], count: queryCount), 0) }

        let euclidean = metric == .euclidean
        let pooling: RegionPooling = !aml ? .sum : (euclidean ? .min : .max)
        let queryNorms = euclidean ? Self.squaredNorms(queryRows, dims: dims) : []
        let databaseNorms = euclidean ? (queries == nil ? queryNorms : Self.squaredNorms(database, dims: dims)) : []

        var workers = threads
        let b = blockImages(workers: workers)
        let queryBlocks = (queryCount + b - 1) / b, databaseBlocks = (databaseCount + b - 1) / b
        var tasks: [(Int, Int)] = []
        for i in 0..<queryBlocks {
            for j in (symmetric ? i : 0)..<databaseBlocks { tasks.append((i, j)) }
        }
        workers = min(workers, tasks.count)
        let blasThreads = workers == 1 ? threads : 1

        let table = TopKTable(queries: queryCount, k: k)
        let locks = (0..<queryBlocks).map { _ in NSLock() }
        let queue = TaskQueue(count: tasks.count)
        let r = regions, d = dims, blockSize = b
        let flops = tasks.reduce(0.0) { total, task in
            let qn = min(blockSize, queryCount - task.0 * blockSize), dn = min(blockSize, databaseCount - task.1 * blockSize)
            return total + 2 * Double(qn * r) * Double(dn * r) * Double(d)
        }

        DenseLinearAlgebra.withBLASThreads(blasThreads) {
            queryRows.withUnsafeBufferPointer { qp in
                database.withUnsafeBufferPointer { dp in
                    queryNorms.withUnsafeBufferPointer { qn in
                        databaseNorms.withUnsafeBufferPointer { dn in
                            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                                let scratch = TileScratch(blockImages: blockSize, regions: r)
                                while let index = queue.next() {
                                    let (i, j) = tasks[index]
                                    let q0 = i * blockSize, qCount = min(blockSize, queryCount - q0)
                                    let d0 = j * blockSize, dCount = min(blockSize, databaseCount - d0)
                                    DenseLinearAlgebra.sgemmABt(m: qCount * r, n: dCount * r, k: d, alpha: euclidean ? 2 : 1,
                                                                a: qp.baseAddress! + q0 * r * d, lda: d,
                                                                b: dp.baseAddress! + d0 * r * d, ldb: d,
                                                                c: scratch.tile, ldc: dCount * r)
                                    let both = symmetric && i != j
                                    TileReduction(regions: r, queryImages: qCount, dbImages: dCount, pooling: pooling,
                                                  rowNorms: euclidean ? qn.baseAddress! + q0 * r : nil,
                                                  columnNorms: euclidean ? dn.baseAddress! + d0 * r : nil)
                                        .run(tile: scratch.tile, rowScores: scratch.rowScores,
                                             columnScores: both ? scratch.columnScores : nil, columnMax: scratch.columnMax)
                                    locks[i].withLock {
                                        for a in 0..<qCount {
                                            for bb in 0..<dCount {
                                                table.offer(query: q0 + a, score: scratch.rowScores[a * dCount + bb], index: Int32(d0 + bb))
                                            }
                                        }
                                    }
                                    if both {
                                        locks[j].withLock {
                                            for bb in 0..<dCount {
                                                for a in 0..<qCount {
                                                    table.offer(query: d0 + bb, score: scratch.columnScores[bb * qCount + a], index: Int32(q0 + a))
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let results = (0..<queryCount).map { q in table.ranked(query: q, transform: euclidean ? { -$0 } : { $0 }) }
        return (results, flops)
    }

    /// `Σ x²` per row in float32, summed as NumPy's `np.sum(x*x, axis=1)` does (pairwise).
    static func squaredNorms(_ rows: [Float], dims: Int) -> [Float] {
        var squares = [Float](repeating: 0, count: dims)
        return stride(from: 0, to: rows.count, by: dims).map { start in
            for j in 0..<dims { squares[j] = rows[start + j] * rows[start + j] }
            return NumPyReduction.pairwiseSum(squares[...])
        }
    }
}

/// Per-worker buffers: the similarity tile, both score blocks and the column maxima.
private final class TileScratch {
    let tile: UnsafeMutablePointer<Float>
    let rowScores: UnsafeMutablePointer<Float>
    let columnScores: UnsafeMutablePointer<Float>
    let columnMax: UnsafeMutablePointer<Float>

    init(blockImages b: Int, regions r: Int) {
        tile = .allocate(capacity: b * r * b * r)
        rowScores = .allocate(capacity: b * b)
        columnScores = .allocate(capacity: b * b)
        columnMax = .allocate(capacity: b * r)
    }

    deinit {
        tile.deallocate()
        rowScores.deallocate()
        columnScores.deallocate()
        columnMax.deallocate()
    }
}

/// Hands out task indices 0..<count to worker threads.
private final class TaskQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.withLock {
            guard nextIndex < count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }
}

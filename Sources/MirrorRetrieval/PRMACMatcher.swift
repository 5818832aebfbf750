import Foundation
import MirrorCore

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

    /// Database rows, `[count · regions, dims]`, float32 or float16 (widened block by block).
    public let database: RegionVectors
    public let regions: Int
    public let dims: Int
    /// Working-memory budget in bytes for tiles and block scores (default 1 GiB).
    public var memoryBudget: Int
    /// Worker threads (default: all cores).
    public var threads: Int
    /// Two-stage search (`ShortlistSearch`): re-score only this many candidates per query, found by
    /// one global vector per image. 0, or a shortlist that covers the database, is exhaustive.
    public var shortlist: Int = 0
    /// The global vector stage 1 ranks by.
    public var shortlistDescriptor: GlobalDescriptor = .regionSum
    /// Upper bound on tile rows (and columns) when the budget allows more: keeps tiles near the
    /// size where sgemm is already at full speed and the reduction reads from cache.
    var preferredBlockRows = 1024
    /// Queries per stage-1 block of the two-stage search (`GlobalShortlist`).
    var shortlistQueryBlock = GlobalShortlist.queryBlock
    /// Images per query-expansion chunk (tests); nil: as many as `memoryBudget` holds (`QueryExpansion`).
    var expansionChunkImages: Int?
    /// The database's stage-1 vectors, shared by copies of this matcher (same database).
    let databaseGlobals = DatabaseGlobals()

    /// Number of database images.
    public var count: Int { database.rows / regions }

    public init(database: RegionVectors, regions: Int, dims: Int, memoryBudget: Int = 1 << 30,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(regions > 0 && dims > 0 && database.dims == dims && database.rows % regions == 0,
                     "database is not a whole number of \(regions)×\(dims) images")
        self.database = database
        self.regions = regions
        self.dims = dims
        self.memoryBudget = memoryBudget
        self.threads = max(1, threads)
    }

    public init(database: [Float], regions: Int, dims: Int, memoryBudget: Int = 1 << 30,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(regions > 0 && dims > 0 && database.count % (regions * dims) == 0,
                     "database is not a whole number of \(regions)×\(dims) images")
        self.init(database: RegionVectors(database, dims: dims), regions: regions, dims: dims,
                  memoryBudget: memoryBudget, threads: threads)
    }

    /// Whether `match` with `top` runs the two-stage search.
    public func usesShortlist(top: Int) -> Bool { shortlist > 0 && max(shortlist, top) < count }

    /// Ranks the database for every query image; `queries == nil` means the database itself
    /// (self pairs included, as the seed). Result q lists `min(top, count)` matches, best first.
    /// With `shortlist > 0` only the best `max(shortlist, top)` images by global vector are
    /// scored (`ShortlistSearch`); scores and ranking among them are the exhaustive ones.
    ///
    /// With `part`, only the queries `part.range` of `part.total` are ranked (`queries`, when
    /// given, holds just those; `nil` means database images `part.range`), and the results are
    /// those of the whole run bit for bit (see `QueryPart`).
    public func match(queries: [Float]? = nil, top: Int, aml: Bool = false, metric: Metric = .cosine,
                      part: QueryPart? = nil) -> [[Match]] {
        let rows = queries.map { RegionVectors($0, dims: dims) }
        if usesShortlist(top: top) {
            return ShortlistSearch(matcher: self).match(queries: rows, top: top, aml: aml, metric: metric, part: part)
        }
        return run(queries: rows, top: top, aml: aml, metric: metric, symmetric: queries == nil, part: part)
    }

    /// Queries per block of the search `match` runs with `top`: parts start on a multiple of it.
    public func queryBlock(top: Int) -> Int {
        usesShortlist(top: top) ? shortlistQueryBlock : blockImages(workers: threads)
    }

    /// The `shard`-th (0-based) of `shards` contiguous parts of `total` queries: whole query
    /// blocks (`queryBlock(top:)`) dealt out evenly, so a part may be empty when there are more
    /// shards than blocks.
    public func part(_ shard: Int, of shards: Int, total: Int, top: Int) -> QueryPart {
        precondition(shards > 0 && (0..<shards).contains(shard), "shard \(shard) of \(shards)")
        return split(QueryPart(range: 0..<total, total: total), into: shards, top: top)[shard]
    }

    /// `whole` (a part of whole query blocks) cut into `count` contiguous parts of whole blocks.
    func split(_ whole: QueryPart, into count: Int, top: Int) -> [QueryPart] {
        let block = queryBlock(top: top)
        let firstBlock = whole.range.lowerBound / block, blocks = (whole.range.upperBound + block - 1) / block - firstBlock
        return (0..<count).map { index in
            let first = firstBlock + blocks * index / count, end = firstBlock + blocks * (index + 1) / count
            return QueryPart(range: min(whole.range.upperBound, first * block)..<min(whole.range.upperBound, end * block),
                             total: whole.total)
        }
    }

    /// Images per block for `workers` threads under the budget.
    func blockImages(workers: Int) -> Int {
        let perImagePair = Double(regions * regions * 4 + 8)
        let byBudget = Int((Double(memoryBudget) / Double(max(1, workers)) / perImagePair).squareRoot())
        return max(1, min(byBudget, max(1, preferredBlockRows / regions)))
    }

    /// The exhaustive matcher. `symmetric` requires `queries == nil`.
    ///
    /// A `part` runs the tile products of the whole run that its queries need, with the same
    /// shapes and BLAS threading (so the same bits): its query blocks against every database
    /// block and, when symmetric, the earlier blocks' tiles whose columns are its queries.
    func run(queries: RegionVectors?, top: Int, aml: Bool, metric: Metric, symmetric: Bool, part: QueryPart? = nil) -> [[Match]] {
        precondition(!symmetric || queries == nil, "the symmetric path is for self-matching only")
        let queryVectors = queries ?? database
        precondition(queryVectors.dims == dims && queryVectors.rows % regions == 0, "queries are not whole \(regions)×\(dims) images")
        let total = part?.total ?? queryVectors.rows / regions
        let range = part?.range ?? 0..<total
        precondition(queries == nil ? total == count : queryVectors.rows == range.count * regions, "queries do not match the part")
        let queryCount = range.count, databaseCount = count
        // Row of the part's first query in `queryVectors`.
        let firstRow = queries == nil ? range.lowerBound : 0
        let k = max(0, min(top, databaseCount))
        guard queryCount > 0, k > 0 else { return Array(repeating: [], count: queryCount) }

        let euclidean = metric == .euclidean
        let pooling = RegionPooling(aml: aml, metric: metric)
        let (queryNorms, databaseNorms) = squaredNorms(queries: queries, metric: metric)

        let b = blockImages(workers: threads)
        precondition(range.lowerBound % b == 0 && (range.upperBound % b == 0 || range.upperBound == total),
                     "a part must be whole query blocks")
        let queryBlocks = (total + b - 1) / b, databaseBlocks = (databaseCount + b - 1) / b
        let ownBlocks = (range.lowerBound / b)..<((range.upperBound + b - 1) / b)
        var tasks: [(Int, Int)] = []
        for i in 0..<queryBlocks {
            for j in (symmetric ? i : 0)..<databaseBlocks where ownBlocks.contains(i) || (symmetric && ownBlocks.contains(j)) {
                tasks.append((i, j))
            }
        }
        // BLAS threading as the whole run would choose it (it can change the last bits).
        let allTasks = symmetric ? queryBlocks * (queryBlocks + 1) / 2 : queryBlocks * databaseBlocks
        let blasThreads = min(threads, allTasks) == 1 ? threads : 1
        let workers = min(threads, tasks.count)

        let table = TopKTable(queries: queryCount, k: k)
        let locks = ownBlocks.map { _ in NSLock() }
        let queue = WorkCounter(limit: tasks.count)
        let r = regions, d = dims, blockSize = b
        let widens = queryVectors.precision != .float32 || database.precision != .float32

        DenseLinearAlgebra.withBLASThreads(blasThreads) {
            queryVectors.withRows { qp in
                database.withRows { dp in
                    queryNorms.withUnsafeBufferPointer { qn in
                        databaseNorms.withUnsafeBufferPointer { dn in
                            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                                let scratch = TileScratch(blockImages: blockSize, regions: r, dims: widens ? d : 0)
                                while let index = queue.next() {
                                    let (i, j) = tasks[index]
                                    let q0 = i * blockSize, qCount = min(blockSize, total - q0)
                                    let d0 = j * blockSize, dCount = min(blockSize, databaseCount - d0)
                                    // Block i's rows: in the database when symmetric, else in the part's queries.
                                    let qRow = (symmetric ? q0 : q0 - range.lowerBound + firstRow) * r
                                    DenseLinearAlgebra.sgemmABt(m: qCount * r, n: dCount * r, k: d, alpha: euclidean ? 2 : 1,
                                                                a: qp.rows(qRow, count: qCount * r, scratch: scratch.queryRows), lda: d,
                                                                b: dp.rows(d0 * r, count: dCount * r, scratch: scratch.databaseRows), ldb: d,
                                                                c: scratch.tile, ldc: dCount * r)
                                    let both = symmetric && i != j
                                    TileReduction(regions: r, queryImages: qCount, dbImages: dCount, pooling: pooling,
                                                  rowNorms: euclidean ? qn.baseAddress! + qRow : nil,
                                                  columnNorms: euclidean ? dn.baseAddress! + d0 * r : nil)
                                        .run(tile: scratch.tile, rowScores: scratch.rowScores,
                                             columnScores: both ? scratch.columnScores : nil, columnMax: scratch.columnMax)
                                    let base = range.lowerBound
                                    if ownBlocks.contains(i) {
                                        locks[i - ownBlocks.lowerBound].withLock {
                                            for a in 0..<qCount {
                                                for bb in 0..<dCount {
                                                    table.offer(query: q0 - base + a, score: scratch.rowScores[a * dCount + bb], index: Int32(d0 + bb))
                                                }
                                            }
                                        }
                                    }
                                    if both && ownBlocks.contains(j) {
                                        locks[j - ownBlocks.lowerBound].withLock {
                                            for bb in 0..<dCount {
                                                for a in 0..<qCount {
                                                    table.offer(query: d0 - base + bb, score: scratch.columnScores[bb * qCount + a], index: Int32(q0 + a))
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
        return table.rankedAll(metric: metric)
    }

    /// Squared row norms of the queries (the database when nil) and of the database for the
    /// Euclidean metric (one array when they are the same rows); empty for cosine.
    func squaredNorms(queries: RegionVectors?, metric: Metric) -> (queries: [Float], database: [Float]) {
        guard metric == .euclidean else { return ([], []) }
        let databaseNorms = Self.squaredNorms(database)
        return (queries.map(Self.squaredNorms) ?? databaseNorms, databaseNorms)
    }

    /// `Σ x²` per row in float32, summed as NumPy's `np.sum(x*x, axis=1)` does (pairwise).
    static func squaredNorms(_ vectors: RegionVectors) -> [Float] {
        let dims = vectors.dims
        var row = [Float](repeating: 0, count: dims), squares = [Float](repeating: 0, count: dims)
        return vectors.withRows { reader in
            (0..<vectors.rows).map { index in
                row.withUnsafeMutableBufferPointer { reader.copy(rows: index, count: 1, to: $0.baseAddress!) }
                for j in 0..<dims { squares[j] = row[j] * row[j] }
                return NumPyReduction.pairwiseSum(squares[...])
            }
        }
    }
}

/// Per-worker buffers: the similarity tile, both score blocks and the column maxima, and room
/// for widened float16 rows (one float when `dims` is 0: float32 rows are used in place).
private struct TileScratch {
    let tile: UnsafeMutablePointer<Float>
    let rowScores: UnsafeMutablePointer<Float>
    let columnScores: UnsafeMutablePointer<Float>
    let columnMax: UnsafeMutablePointer<Float>
    let queryRows: UnsafeMutablePointer<Float>
    let databaseRows: UnsafeMutablePointer<Float>
    private let buffers: [AlignedBuffer]

    init(blockImages b: Int, regions r: Int, dims: Int) {
        buffers = [b * r * b * r, b * b, b * b, b * r, b * r * dims, b * r * dims].map { AlignedBuffer(count: $0) }
        (tile, rowScores, columnScores) = (buffers[0].pointer, buffers[1].pointer, buffers[2].pointer)
        (columnMax, queryRows, databaseRows) = (buffers[3].pointer, buffers[4].pointer, buffers[5].pointer)
    }
}

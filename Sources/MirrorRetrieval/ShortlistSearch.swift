import Foundation
import MirrorCore

/// The two-stage search that makes PR-MAC scale to 10⁵ images (issue #13):
/// 1. `GlobalShortlist` ranks every database image by one global vector per image
///    (`GlobalDescriptor`) and keeps the best `K = max(shortlist, top)`;
/// 2. only those K are scored with exact PR-MAC (or AML / Euclidean, as the matcher's metric),
///    and ranked in `tf.nn.top_k` order.
///
/// Exhaustive PR-MAC costs `2·N·R·N·R·D` FLOPs for all-vs-all (1.6 PFLOP at N = 10⁵, R = 35,
/// D = 256; hours on 2 cores); this costs `2·N·N·D` for stage 1 plus `2·N·R·K·R·D` for stage 2,
/// minutes at K = 100. What is lost are images PR-MAC would rank in the top but the global
/// vector ranks below K: `mirror bench --task retrieval --shortlist K` measures that recall.
///
/// Scores are the exhaustive ones: stage 2 runs the same sgemm + `TileReduction` on the same
/// rows, so a database image in the shortlist gets the score the exhaustive matcher gives it.
///
/// Memory: the matcher's database + its global vectors (`N · D · 4` bytes, kept for the
/// matcher's life, `DatabaseGlobals`) + the candidates (`Q · K · 4` bytes) + per worker one gathered
/// block of the K candidates (`K · R · D · 4` bytes: 3.5 MiB at K = 100) and its `R × K·R` tile.
struct ShortlistSearch {
    let matcher: PRMACMatcher

    /// With `part`, only its queries (see `PRMACMatcher.match`); stage 1 then runs the whole
    /// run's query blocks that hold them, and both stages thread BLAS as the whole run would.
    func match(queries: RegionVectors?, top: Int, aml: Bool, metric: PRMACMatcher.Metric, part: QueryPart? = nil) -> [[Match]] {
        let r = matcher.regions, d = matcher.dims, database = matcher.database
        let queryVectors = queries ?? database
        let total = part?.total ?? queryVectors.rows / r
        let range = part?.range ?? 0..<total
        let firstRow = queries == nil ? range.lowerBound : 0
        let queryCount = range.count
        let k = max(0, min(top, matcher.count))
        guard queryCount > 0, k > 0 else { return Array(repeating: [], count: queryCount) }

        let databaseGlobals = matcher.databaseGlobals.vectors(matcher.shortlistDescriptor) {
            matcher.shortlistDescriptor.compute(database, regions: r)
        }
        let queryGlobals = queries.map { matcher.shortlistDescriptor.compute($0, regions: r) }
            ?? Array(databaseGlobals[(range.lowerBound * d)..<(range.upperBound * d)])
        let (candidates, perQuery) = GlobalShortlist.candidates(queries: queryGlobals, database: databaseGlobals, dims: d,
                                                                k: max(matcher.shortlist, top), threads: matcher.threads,
                                                                queryBlock: matcher.shortlistQueryBlock, totalQueries: total)

        let euclidean = metric == .euclidean
        let pooling = RegionPooling(aml: aml, metric: metric)
        let (queryNorms, databaseNorms) = matcher.squaredNorms(queries: queries, metric: metric)
        let table = TopKTable(queries: queryCount, k: k)
        let chunk = 16, chunks = (queryCount + chunk - 1) / chunk
        let workers = min(matcher.threads, chunks)
        let wholeRunWorkers = min(matcher.threads, (total + chunk - 1) / chunk)

        DenseLinearAlgebra.withBLASThreads(wholeRunWorkers == 1 ? matcher.threads : 1) {
            queryVectors.withRows { qp in
                database.withRows { dp in
                    candidates.withUnsafeBufferPointer { cp in
                        Parallel.forEach(count: chunks, threads: workers,
                                         makeState: { RescoreScratch(candidates: perQuery, regions: r, dims: d) }) { scratch, task in
                            for q in (task * chunk)..<min(queryCount, (task + 1) * chunk) {
                                let row = cp.baseAddress! + q * perQuery
                                for slot in 0..<perQuery {
                                    let image = Int(row[slot])
                                    dp.copy(rows: image * r, count: r, to: scratch.gathered + slot * r * d)
                                    if euclidean {
                                        for region in 0..<r { scratch.norms[slot * r + region] = databaseNorms[image * r + region] }
                                    }
                                }
                                let qRow = (firstRow + q) * r
                                DenseLinearAlgebra.sgemmABt(m: r, n: perQuery * r, k: d, alpha: euclidean ? 2 : 1,
                                                            a: qp.rows(qRow, count: r, scratch: scratch.query), lda: d,
                                                            b: scratch.gathered, ldb: d, c: scratch.tile, ldc: perQuery * r)
                                queryNorms.withUnsafeBufferPointer { qn in
                                    TileReduction(regions: r, queryImages: 1, dbImages: perQuery, pooling: pooling,
                                                  rowNorms: euclidean ? qn.baseAddress! + qRow : nil,
                                                  columnNorms: euclidean ? UnsafePointer(scratch.norms) : nil)
                                        .run(tile: scratch.tile, rowScores: scratch.scores, columnScores: nil, columnMax: nil)
                                }
                                for slot in 0..<perQuery {
                                    table.offer(query: q, score: scratch.scores[slot], index: row[slot])
                                }
                            }
                        }
                    }
                }
            }
        }
        return table.rankedAll(metric: metric)
    }
}

/// Per-worker buffers of stage 2: the gathered candidate rows, the query's widened rows, the
/// similarity tile, the candidates' scores and (Euclidean) their squared norms.
private struct RescoreScratch {
    let gathered: UnsafeMutablePointer<Float>
    let query: UnsafeMutablePointer<Float>
    let tile: UnsafeMutablePointer<Float>
    let scores: UnsafeMutablePointer<Float>
    let norms: UnsafeMutablePointer<Float>
    private let buffers: [AlignedBuffer]

    init(candidates k: Int, regions r: Int, dims d: Int) {
        buffers = [k * r * d, r * d, r * k * r, k, k * r].map { AlignedBuffer(count: $0) }
        (gathered, query, tile) = (buffers[0].pointer, buffers[1].pointer, buffers[2].pointer)
        (scores, norms) = (buffers[3].pointer, buffers[4].pointer)
    }
}

/// The database's global vectors (`GlobalDescriptor`), computed on the first two-stage `match` and
/// kept: query expansion calls `match` once per chunk and round, and each call would otherwise
/// read the whole database again (N·R·D floats; a second or so at 10⁵ images). Holds `N · D`
/// floats, what one call needed anyway.
final class DatabaseGlobals: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: (descriptor: GlobalDescriptor, vectors: [Float])?

    func vectors(_ descriptor: GlobalDescriptor, compute: () -> [Float]) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.descriptor == descriptor { return cached.vectors }
        let vectors = compute()
        cached = (descriptor, vectors)
        return vectors
    }
}

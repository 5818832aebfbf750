/// How the per-query-region best matches combine into an image score.
enum RegionPooling: Sendable {
    /// PR-MAC: a sequential float32 sum over query regions (first region first).
    case sum
    /// AML on cosine scores.
    case max
    /// AML on negated Euclidean distances (max distance = −min of negated ones).
    case min

    /// The seed's pooling for a metric: PR-MAC sums; AML takes the best region pair.
    init(aml: Bool, metric: PRMACMatcher.Metric) {
        self = !aml ? .sum : (metric == .euclidean ? .min : .max)
    }

    @inline(__always)
    func combine(_ accumulated: Float, _ value: Float) -> Float {
        switch self {
        case .sum: return accumulated + value
        case .max: return Swift.max(accumulated, value)
        case .min: return Swift.min(accumulated, value)
        }
    }
}

/// The fused pass that turns one similarity tile into image-level scores, both ways.
///
/// The tile is row-major `[queryImages·R, dbImages·R]`; row `a·R + r` is region r of tile-query
/// image a, column `b·R + r'` region r' of tile-database image b. Rows are read once, in order:
/// - **row direction** (query a vs database b): `max` over the R columns of each segment, then
///   pooled over r → `rowScores[a·dbImages + b]`;
/// - **column direction** (only for the symmetric self-match, query b vs database a): a running
///   element-wise max over a's R rows, then pooled over r' → `columnScores[b·queryImages + a]`.
///
/// Euclidean tiles hold `2·q·d` (sgemm alpha = 2) and are turned into **negated** squared
/// distances `−((|q|² − 2q·d) + |d|²)` — TF's association order, per direction — so that both
/// metrics reduce with `max` and rank descending.
struct TileReduction {
    let regions: Int
    let queryImages: Int
    let dbImages: Int
    let pooling: RegionPooling
    /// Squared norms of the tile's rows and columns (Euclidean only).
    let rowNorms: UnsafePointer<Float>?
    let columnNorms: UnsafePointer<Float>?

    func run(tile: UnsafeMutablePointer<Float>, rowScores: UnsafeMutablePointer<Float>,
             columnScores: UnsafeMutablePointer<Float>?, columnMax: UnsafeMutablePointer<Float>?) {
        let r = regions, columns = dbImages * regions
        for a in 0..<queryImages {
            for region in 0..<r {
                let row = tile + (a * r + region) * columns
                if let rowNorms, let columnNorms {
                    let rowNorm = rowNorms[a * r + region]
                    if columnScores != nil, let columnMax {
                        Vector.negatedDistanceMax(into: columnMax, dots: row, norms: columnNorms, otherNorm: rowNorm,
                                                  count: columns, first: region == 0)
                    }
                    Vector.negatedDistanceInPlace(row, norms: columnNorms, otherNorm: rowNorm, count: columns)
                } else if columnScores != nil, let columnMax {
                    if region == 0 {
                        columnMax.update(from: row, count: columns)
                    } else {
                        Vector.maxInPlace(columnMax, row, count: columns)
                    }
                }
                let out = rowScores + a * dbImages
                if region == 0 {
                    for b in 0..<dbImages { out[b] = Vector.segmentMax(row + b * r, count: r) }
                } else {
                    for b in 0..<dbImages { out[b] = pooling.combine(out[b], Vector.segmentMax(row + b * r, count: r)) }
                }
            }
            if let columnScores, let columnMax {
                for b in 0..<dbImages {
                    let segment = columnMax + b * r
                    var accumulated = segment[0]
                    for region in 1..<max(1, r) { accumulated = pooling.combine(accumulated, segment[region]) }
                    columnScores[b * queryImages + a] = accumulated
                }
            }
        }
    }
}

/// Small SIMD loops over float32 buffers (16 lanes, then scalar tails).
///
/// Maxima are written as compare-and-select (`b > a ? b : a`) on concrete SIMD types: the
/// standard library's generic `pointwiseMax` and `.max()` go lane by lane (IEEE maxNum) and were
/// 100× slower here. Without NaNs (features are cleaned) both give the same values.
enum Vector {
    typealias Lanes = SIMD16<Float>

    @inline(__always)
    static func pointwiseMax(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: a .< b) }

    /// Largest lane, by halving.
    @inline(__always)
    static func horizontalMax(_ v: Lanes) -> Float {
        let h8 = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let h4 = h8.lowHalf.replacing(with: h8.highHalf, where: h8.lowHalf .< h8.highHalf)
        let h2 = h4.lowHalf.replacing(with: h4.highHalf, where: h4.lowHalf .< h4.highHalf)
        return h2.x < h2.y ? h2.y : h2.x
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }

    /// The largest of `count ≥ 1` contiguous values.
    @inline(__always)
    static func segmentMax(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var best = -Float.infinity
        if count >= 16 {
            var lanes = load(p)
            i = 16
            while i + 16 <= count {
                lanes = pointwiseMax(lanes, load(p + i))
                i += 16
            }
            best = horizontalMax(lanes)
        }
        while i < count {
            let x = p[i]
            best = best < x ? x : best
            i += 1
        }
        return best
    }

    /// `target[i] = max(target[i], source[i])`.
    @inline(__always)
    static func maxInPlace(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            store(pointwiseMax(load(target + i), load(source + i)), target + i)
            i += 16
        }
        while i < count {
            let a = target[i], b = source[i]
            target[i] = a < b ? b : a
            i += 1
        }
    }

    /// `row[i] = −((otherNorm − row[i]) + norms[i])`: `row` holds 2·q·d, `otherNorm` is |q|².
    @inline(__always)
    static func negatedDistanceInPlace(_ row: UnsafeMutablePointer<Float>, norms: UnsafePointer<Float>,
                                       otherNorm: Float, count: Int) {
        var i = 0
        let broadcast = Lanes(repeating: otherNorm)
        while i + 16 <= count {
            store(-((broadcast - load(row + i)) + load(norms + i)), row + i)
            i += 16
        }
        while i < count {
            row[i] = -((otherNorm - row[i]) + norms[i])
            i += 1
        }
    }

    /// The column direction of a Euclidean tile: the query is the column (norm `norms[i]`), the
    /// database region is the row (norm `otherNorm`): `target = max(target, −((norms[i] − dots[i]) + otherNorm))`.
    @inline(__always)
    static func negatedDistanceMax(into target: UnsafeMutablePointer<Float>, dots: UnsafePointer<Float>,
                                   norms: UnsafePointer<Float>, otherNorm: Float, count: Int, first: Bool) {
        var i = 0
        let broadcast = Lanes(repeating: otherNorm)
        while i + 16 <= count {
            let value = -((load(norms + i) - load(dots + i)) + broadcast)
            store(first ? value : pointwiseMax(load(target + i), value), target + i)
            i += 16
        }
        while i < count {
            let value = -((norms[i] - dots[i]) + otherNorm)
            target[i] = first || target[i] < value ? value : target[i]
            i += 1
        }
    }
}

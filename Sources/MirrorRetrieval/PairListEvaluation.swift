/// How good a pair list (what a reconstruction will match) is against ground-truth overlaps:
/// `mirror eval pairs`. Any tool's list can be scored (mirror's, COLMAP's vocabulary tree, hloc's,
/// exhaustive), since only the pairs matter.
///
/// A pair is **matchable** when its ground-truth overlap is ≥ `minOverlap`. Listed pairs are
/// unordered and counted once (a list with both directions, as hloc writes, is not penalised).
/// - recall = matchable pairs listed ÷ matchable pairs; precision = matchable pairs listed ÷ pairs listed;
/// - pairs per image = 2 · pairs listed ÷ images (each pair is work for both images' matching);
/// - images missed: images with a matchable partner of which none is listed — the images a
///   reconstruction will fail to connect through the list;
/// - with scores: the GL3D mAP (every image's listed partners ranked by score, ground truth its
///   matchable partners, `GL3DBenchmark.averagePrecision`), and recall against pairs per image
///   when each image keeps only its best k partners, k = 1, 2, … (the union of every image's
///   top k, as a per-image retrieval list becomes a pair list).
public enum PairListEvaluation {
    public struct ListedPair: Equatable, Sendable {
        public let first: Int
        public let second: Int
        public let score: Double?
        public init(first: Int, second: Int, score: Double?) {
            self.first = first
            self.second = second
            self.score = score
        }
    }

    public struct CurvePoint: Equatable, Sendable {
        public let partnersKept: Int
        public let pairsPerImage: Double
        public let recall: Double
    }

    public struct Result: Equatable, Sendable {
        public let images: Int
        public let minOverlap: Double
        public let listedPairs: Int
        public let matchablePairs: Int
        public let matchableListed: Int
        public let imagesWithMatchable: Int
        public let imagesMissed: Int
        public let meanAveragePrecision: Double?
        public let curve: [CurvePoint]

        public var recall: Double { matchablePairs == 0 ? 0 : Double(matchableListed) / Double(matchablePairs) }
        public var precision: Double { listedPairs == 0 ? 0 : Double(matchableListed) / Double(listedPairs) }
        public var pairsPerImage: Double { images == 0 ? 0 : 2 * Double(listedPairs) / Double(images) }
    }

    /// - Parameters:
    ///   - overlaps: ground truth `(first, second, overlap)` over images `0..<images`; a pair given
    ///     twice keeps its largest overlap; pairs not given overlap 0.
    ///   - listed: the pair list; self pairs are ignored; `score` nil for lists without scores (all
    ///     or none must have one for the ranked measures).
    ///   - maxPartners: the largest k of the recall curve.
    public static func evaluate(images: Int, overlaps: [(first: Int, second: Int, overlap: Double)], minOverlap: Double,
                                listed: [ListedPair], maxPartners: Int = 50) -> Result {
        let (key, ends) = (PairList.key, PairList.ends)
        var truth: [Int64: Double] = [:]
        for (a, b, overlap) in overlaps where a != b { truth[key(a, b)] = max(truth[key(a, b)] ?? 0, overlap) }
        let matchable = Set(truth.filter { $0.value >= minOverlap }.keys)
        var partnersInTruth = [[Int]](repeating: [], count: images)
        for pair in matchable {
            let (a, b) = ends(pair)
            partnersInTruth[a].append(b)
            partnersInTruth[b].append(a)
        }

        // Listed pairs, unordered, with the best score either direction gave.
        var scores: [Int64: Double] = [:]
        var order: [Int64] = []
        for pair in listed where pair.first != pair.second {
            let k = key(pair.first, pair.second)
            if let seen = scores[k] {
                scores[k] = max(seen, pair.score ?? -.infinity)
            } else {
                scores[k] = pair.score ?? -.infinity
                order.append(k)
            }
        }
        let found = order.filter(matchable.contains)
        var connected = [Bool](repeating: false, count: images)
        for pair in found { let (a, b) = ends(pair); connected[a] = true; connected[b] = true }
        let withMatchable = partnersInTruth.indices.filter { !partnersInTruth[$0].isEmpty }

        var map: Double? = nil
        var curve: [CurvePoint] = []
        if !listed.isEmpty, listed.allSatisfy({ $0.score != nil }) {
            // Every image's listed partners, best score first (ties by index, for a stable order).
            var ranked = [[(partner: Int, score: Double)]](repeating: [], count: images)
            for k in order {
                let (a, b) = ends(k), score = scores[k]!
                ranked[a].append((b, score))
                ranked[b].append((a, score))
            }
            for i in ranked.indices { ranked[i].sort { $0.score != $1.score ? $0.score > $1.score : $0.partner < $1.partner } }
            if !withMatchable.isEmpty {
                map = withMatchable.map { GL3DBenchmark.averagePrecision(groundTruth: partnersInTruth[$0], returned: ranked[$0].map(\.partner)) }
                    .reduce(0, +) / Double(withMatchable.count)
            }
            let longest = min(maxPartners, ranked.map(\.count).max() ?? 0)
            var kept = Set<Int64>(), hits = 0
            for k in stride(from: 1, through: longest, by: 1) {
                for i in ranked.indices where ranked[i].count >= k {
                    let pair = key(i, ranked[i][k - 1].partner)
                    if kept.insert(pair).inserted && matchable.contains(pair) { hits += 1 }
                }
                curve.append(CurvePoint(partnersKept: k, pairsPerImage: 2 * Double(kept.count) / Double(images),
                                        recall: matchable.isEmpty ? 0 : Double(hits) / Double(matchable.count)))
            }
        }
        return Result(images: images, minOverlap: minOverlap, listedPairs: order.count, matchablePairs: matchable.count,
                      matchableListed: found.count, imagesWithMatchable: withMatchable.count,
                      imagesMissed: withMatchable.filter { !connected[$0] }.count, meanAveragePrecision: map, curve: curve)
    }
}

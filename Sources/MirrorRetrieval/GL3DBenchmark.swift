/// GL3D overlap mAP as the seed computes it (`retrieval/compute_overlap_benchmark.py`; SPEC §5).
///
/// Ground truth and results are `i j …` lines over the test image list; pairs with `i == j` are
/// dropped from both. For every image with non-empty ground truth, AP integrates the PR curve over
/// the returned list with trapezoids from (0, 1): recall = hits / len(gt) (duplicates in the ground
/// truth count), precision = hits / (position + 1). mAP is the mean over images with ground truth.
/// mirror's `--top K` keeps the first K returned entries of each image (before self pairs are
/// dropped, as if the query had been run with `--top K`).
public enum GL3DBenchmark {
    public static func averagePrecision(groundTruth: [Int], returned: [Int]) -> Double {
        let relevant = Set(groundTruth)
        var oldRecall = 0.0, oldPrecision = 1.0, ap = 0.0, hits = 0
        for (position, item) in returned.enumerated() {
            if relevant.contains(item) { hits += 1 }
            let recall = Double(hits) / Double(groundTruth.count)
            let precision = Double(hits) / (Double(position) + 1.0)
            ap += (recall - oldRecall) * (oldPrecision + precision) / 2.0
            oldRecall = recall
            oldPrecision = precision
        }
        return ap
    }

    /// Pairs per image with self pairs removed, from `(i, j)` lines.
    public static func lists(_ pairs: [(Int, Int)], imageCount: Int, top: Int? = nil) -> [[Int]] {
        var lists = [[Int]](repeating: [], count: imageCount)
        var seen = [Int](repeating: 0, count: imageCount)
        for (i, j) in pairs {
            seen[i] += 1
            if let top, seen[i] > top { continue }
            if i != j { lists[i].append(j) }
        }
        return lists
    }

    public static func evaluate(imageNames: [String], groundTruthPairs: [(Int, Int)], resultPairs: [(Int, Int)],
                                top: Int? = nil) -> BenchmarkResult {
        let truth = lists(groundTruthPairs, imageCount: imageNames.count)
        let returned = lists(resultPairs, imageCount: imageNames.count, top: top)
        var scored: [BenchmarkResult.Query] = []
        for index in imageNames.indices where !truth[index].isEmpty {
            let relevant = Set(truth[index])
            scored.append(.init(name: imageNames[index],
                                averagePrecision: averagePrecision(groundTruth: truth[index], returned: returned[index]),
                                hits: returned[index].map { relevant.contains($0) }, relevantCount: truth[index].count))
        }
        return BenchmarkResult(queries: scored)
    }
}

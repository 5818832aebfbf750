import Foundation
import MirrorCore
import MirrorRetrieval

/// Scores an existing `match_pairs` file: loads a benchmark's lists and ground truth, validates
/// every index against them, and runs the metric. The end-to-end recipes (`EvaluationRecipes`)
/// write the same files and finish through these functions.
enum EvaluationRunner {
    /// Metric mode of `mirror eval BENCHMARK`: the files named by the options.
    static func score(benchmark: String, args: ParsedArguments) throws -> EvaluationReport {
        let pairs = try args.required("match-pairs")
        switch benchmark {
        case "oxford", "paris":
            return try oxford(benchmark: benchmark, queryList: try args.required("query-list"),
                              imageList: try args.required("image-list"), matchPairs: pairs,
                              groundTruthDirectory: try args.required("gt-dir"), rankedDirectory: args.string("output-dir"))
        case "holidays":
            return try holidays(queryList: try args.required("query-list"), databaseList: try args.required("db-list"),
                                matchPairs: pairs, groundTruth: try args.required("gt"))
        case "gl3d":
            return try gl3d(imageList: try args.required("image-list"), matchPairs: pairs,
                            groundTruthPairs: try args.required("gt-pairs"), top: try args.int("top", in: 1...Int.max))
        default:
            return try revisited(benchmark: benchmark, groundTruth: try args.required("gnd"), matchPairs: pairs,
                                 queryList: args.string("query-list"), imageList: args.string("image-list"))
        }
    }

    /// The seed's `oxford_bench.py`; ranked lists go to `rankedDirectory/<query>.txt` when given.
    static func oxford(benchmark: String, queryList: String, imageList: String, matchPairs: String,
                       groundTruthDirectory: String, rankedDirectory: String?) throws -> EvaluationReport {
        let queries = try listNames(queryList), images = try listNames(imageList)
        let ranked = try MatchPairsReader.rankedLists(path: matchPairs, queryCount: queries.count, databaseCount: images.count,
                                                      queryWhat: "query list \(queryList)", databaseWhat: "image list \(imageList)")
        if let index = ranked.firstIndex(where: \.isEmpty) {
            throw EvaluationError.queryWithoutResults(query: queries[index])
        }
        let result = try OxfordBenchmark.evaluate(queries: queries, images: images, rankedLists: ranked,
                                                  groundTruthDirectory: groundTruthDirectory)
        if let rankedDirectory {
            try FileManager.default.createDirectory(atPath: rankedDirectory, withIntermediateDirectories: true)
            for (query, list) in zip(queries, ranked) {
                let text = list.map { images[$0] + "\n" }.joined()
                try AtomicFile.write(Array(text.utf8), to: (rankedDirectory as NSString).appendingPathComponent("\(query).txt"))
            }
        }
        return EvaluationReport(benchmark: benchmark, scores: .standard(result))
    }

    /// The seed's `convert2holiday_eval.py` + `holidays_map.py`.
    static func holidays(queryList: String, databaseList: String, matchPairs: String, groundTruth gtPath: String) throws -> EvaluationReport {
        // convert2holiday_eval.py keeps only the basename of each listed path.
        let queries = try listNames(queryList).map { ($0 as NSString).lastPathComponent }
        let database = try listNames(databaseList).map { ($0 as NSString).lastPathComponent }
        let ranked = try MatchPairsReader.rankedLists(path: matchPairs, queryCount: queries.count, databaseCount: database.count,
                                                      queryWhat: "query list \(queryList)", databaseWhat: "database list \(databaseList)")
        guard FileManager.default.fileExists(atPath: gtPath) else { throw EvaluationError.missingGroundTruth(path: gtPath) }
        let truth = try HolidaysBenchmark.groundTruth(path: gtPath)
        let results = zip(queries, ranked).map { (query: $0.0, ranked: $0.1.map { database[$0] }) }
        return EvaluationReport(benchmark: "holidays",
                                scores: .standard(try HolidaysBenchmark.evaluate(results: results, groundTruth: truth,
                                                                                  groundTruthPath: gtPath)))
    }

    /// The seed's `compute_overlap_benchmark.py`, reported as mAP@K when `top` is given.
    static func gl3d(imageList: String, matchPairs: String, groundTruthPairs: String, top: Int?) throws -> EvaluationReport {
        let images = try listNames(imageList)
        guard FileManager.default.fileExists(atPath: groundTruthPairs) else {
            throw EvaluationError.missingGroundTruth(path: groundTruthPairs)
        }
        func pairs(_ path: String) throws -> [(Int, Int)] {
            try MatchPairsReader.entries(path: path, queryCount: images.count, databaseCount: images.count,
                                         queryWhat: "image list \(imageList)", databaseWhat: "image list \(imageList)")
                .map { ($0.query, $0.database) }
        }
        let result = GL3DBenchmark.evaluate(imageNames: images, groundTruthPairs: try pairs(groundTruthPairs),
                                            resultPairs: try pairs(matchPairs), top: top)
        var report = EvaluationReport(benchmark: "gl3d", scores: .standard(result))
        if let top { report.extra = [("mAP@\(top)", result.meanAveragePrecision)] }
        return report
    }

    /// The revisited protocol. Without lists, match_pairs indices are positions in the file's
    /// `qimlist` and `imlist`; with them, the lists name (by stem) the queries and database images
    /// in match_pairs order, and every ground-truth query must have results.
    static func revisited(benchmark: String, groundTruth gtPath: String, matchPairs: String,
                          queryList: String?, imageList: String?) throws -> EvaluationReport {
        let truth = try RevisitedGroundTruth.read(path: gtPath)
        let queryNames = try queryList.map { try listNames($0).map(FeatureSet.stem) } ?? truth.queries.map(\.name)
        let imageNames = try imageList.map { try listNames($0).map(FeatureSet.stem) } ?? truth.imageNames
        let ranked = try MatchPairsReader.rankedLists(
            path: matchPairs, queryCount: queryNames.count, databaseCount: imageNames.count,
            queryWhat: queryList.map { "query list \($0)" } ?? "qimlist of \(gtPath)",
            databaseWhat: imageList.map { "image list \($0)" } ?? "imlist of \(gtPath)")
        // Database positions → imlist indices, and the results of each ground-truth query.
        let imageIndex = Dictionary(truth.imageNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let toTruth = try imageNames.map { name -> Int in
            guard let index = imageIndex[name] else { throw EvaluationError.unknownImage(name: name, list: "the imlist of \(gtPath)") }
            return index
        }
        var byQuery: [String: [Int]] = [:]
        for (name, list) in zip(queryNames, ranked) where !list.isEmpty { byQuery[name] = list.map { toTruth[$0] } }
        let known = Set(truth.queries.map(\.name))
        if let stray = queryNames.first(where: { !known.contains($0) }) {
            throw EvaluationError.unknownImage(name: stray, list: "the qimlist of \(gtPath)")
        }
        let lists = try truth.queries.map { query -> [Int] in
            guard let list = byQuery[query.name] else { throw EvaluationError.queryWithoutResults(query: query.name) }
            return list
        }
        return EvaluationReport(benchmark: benchmark, scores: .revisited(
            queries: truth.queries.map(\.name), settings: RevisitedBenchmark.evaluate(rankedLists: lists, groundTruth: truth)))
    }

    private static func listNames(_ path: String) throws -> [String] { try TextList.read(path) }
}

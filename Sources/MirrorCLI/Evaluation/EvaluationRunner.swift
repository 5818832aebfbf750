import Foundation
import MirrorCore
import MirrorRetrieval

/// What `mirror eval` prints: a table for people, one JSON object for scripts.
struct EvaluationReport {
    let benchmark: String
    let result: BenchmarkResult
    /// Extra summary rows, e.g. ("mAP@200", value) for GL3D.
    var extra: [(String, Double)] = []

    var table: String {
        let width = max(12, result.queries.map(\.name.count).max() ?? 0)
        var lines = ["query".padding(to: width) + "  AP"]
        for query in result.queries {
            lines.append(query.name.padding(to: width) + "  " + String(format: "%.6f", query.averagePrecision))
        }
        lines.append("")
        lines.append("benchmark".padding(to: width) + "  \(benchmark)")
        lines.append("queries".padding(to: width) + "  \(result.queries.count)")
        lines.append("mAP".padding(to: width) + "  " + String(format: "%.6f", result.meanAveragePrecision))
        for (key, value) in extra { lines.append(key.padding(to: width) + "  " + String(format: "%.6f", value)) }
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [
            ("benchmark", .string(benchmark)),
            ("mAP", .number(result.meanAveragePrecision)),
            ("num_queries", .integer(result.queries.count)),
        ]
        for (key, value) in extra { pairs.append((key, .number(value))) }
        pairs.append(("queries", .array(result.queries.map {
            .object([("name", .string($0.name)), ("ap", .number($0.averagePrecision))])
        })))
        return .object(pairs)
    }
}

/// Loads a benchmark's lists and ground truth, validates them against match_pairs, and scores.
enum EvaluationRunner {
    static func oxford(benchmark: String, args: ParsedArguments) throws -> EvaluationReport {
        let queryPath = try args.required("query-list"), imagePath = try args.required("image-list")
        let pairsPath = try args.required("match-pairs"), gtDir = try args.required("gt-dir")
        let queries = try listNames(queryPath), images = try listNames(imagePath)
        let ranked = try MatchPairsReader.rankedLists(path: pairsPath, queryCount: queries.count, databaseCount: images.count,
                                                      queryWhat: "query list \(queryPath)", databaseWhat: "image list \(imagePath)")
        if let index = ranked.firstIndex(where: \.isEmpty) {
            throw EvaluationError.queryWithoutResults(query: queries[index])
        }
        let result = try OxfordBenchmark.evaluate(queries: queries, images: images, rankedLists: ranked,
                                                  groundTruthDirectory: gtDir)
        if let outputDir = args.string("output-dir") {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            for (query, list) in zip(queries, ranked) {
                let text = list.map { images[$0] + "\n" }.joined()
                try AtomicFile.write(Array(text.utf8), to: (outputDir as NSString).appendingPathComponent("\(query).txt"))
            }
        }
        return EvaluationReport(benchmark: benchmark, result: result)
    }

    static func holidays(args: ParsedArguments) throws -> EvaluationReport {
        let queryPath = try args.required("query-list"), dbPath = try args.required("db-list")
        let pairsPath = try args.required("match-pairs"), gtPath = try args.required("gt")
        // convert2holiday_eval.py keeps only the basename of each listed path.
        let queries = try listNames(queryPath).map { ($0 as NSString).lastPathComponent }
        let database = try listNames(dbPath).map { ($0 as NSString).lastPathComponent }
        let ranked = try MatchPairsReader.rankedLists(path: pairsPath, queryCount: queries.count, databaseCount: database.count,
                                                      queryWhat: "query list \(queryPath)", databaseWhat: "database list \(dbPath)")
        let truth = try HolidaysBenchmark.groundTruth(path: gtPath)
        let results = zip(queries, ranked).map { (query: $0.0, ranked: $0.1.map { database[$0] }) }
        return EvaluationReport(benchmark: "holidays",
                                result: try HolidaysBenchmark.evaluate(results: results, groundTruth: truth, groundTruthPath: gtPath))
    }

    static func gl3d(args: ParsedArguments, top: Int?) throws -> EvaluationReport {
        let imagePath = try args.required("image-list"), pairsPath = try args.required("match-pairs")
        let gtPath = try args.required("gt-pairs")
        let images = try listNames(imagePath)
        func pairs(_ path: String) throws -> [(Int, Int)] {
            try MatchPairsReader.entries(path: path, queryCount: images.count, databaseCount: images.count,
                                         queryWhat: "image list \(imagePath)", databaseWhat: "image list \(imagePath)")
                .map { ($0.query, $0.database) }
        }
        let result = GL3DBenchmark.evaluate(imageNames: images, groundTruthPairs: try pairs(gtPath),
                                            resultPairs: try pairs(pairsPath), top: top)
        var report = EvaluationReport(benchmark: "gl3d", result: result)
        if let top { report.extra = [("mAP@\(top)", result.meanAveragePrecision)] }
        return report
    }

    private static func listNames(_ path: String) throws -> [String] { try TextList.nonEmptyLines(path) }
}

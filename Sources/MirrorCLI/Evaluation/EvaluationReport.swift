import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval

/// What `mirror eval` prints and writes: a table for people, one JSON object for scripts, and a
/// precision–recall plot.
struct EvaluationReport {
    enum Scores {
        /// Oxford/Paris, Holidays, GL3D: one AP per query and their mean.
        case standard(BenchmarkResult)
        /// ROxford5k/RParis6k: Easy, Medium and Hard results for every query.
        case revisited(queries: [String], settings: [RevisitedBenchmark.SettingResult])
    }

    let benchmark: String
    let scores: Scores
    /// Extra summary rows, e.g. ("mAP@200", value) for GL3D.
    var extra: [(String, Double)] = []
    /// Recipe settings, counts and timings (end-to-end runs), added to the JSON object.
    var details: [(String, JSON)] = []

    /// The headline number: the mAP, or the Medium mAP of the revisited protocol.
    var meanAveragePrecision: Double {
        switch scores {
        case .standard(let result): return result.meanAveragePrecision
        case .revisited(_, let settings): return settings[1].meanAveragePrecision
        }
    }

    var table: String {
        switch scores {
        case .standard(let result): return standardTable(result)
        case .revisited(let queries, let settings): return revisitedTable(queries: queries, settings: settings)
        }
    }

    private func standardTable(_ result: BenchmarkResult) -> String {
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

    private func revisitedTable(queries: [String], settings: [RevisitedBenchmark.SettingResult]) -> String {
        let width = max(12, queries.map(\.count).max() ?? 0)
        let cell = { (value: Double?) in (value.map { String(format: "%.6f", $0) } ?? "-").padding(to: 10) }
        var lines = ["query".padding(to: width) + "  " + settings.map { $0.setting.rawValue.padding(to: 10) }.joined()]
        for (index, name) in queries.enumerated() {
            lines.append(name.padding(to: width) + "  " + settings.map { cell($0.scores[index]?.averagePrecision) }.joined())
        }
        lines.append("")
        let ranks = RevisitedBenchmark.precisionRanks.map { "mP@\($0)".padding(to: 10) }.joined()
        lines.append("setting".padding(to: width) + "  " + "queries".padding(to: 9) + "mAP".padding(to: 10) + ranks)
        for setting in settings {
            lines.append(setting.setting.rawValue.padding(to: width) + "  " + "\(setting.evaluatedCount)".padding(to: 9)
                         + cell(setting.meanAveragePrecision) + setting.meanPrecisions.map(cell).joined())
        }
        lines.append("")
        lines.append("benchmark".padding(to: width) + "  \(benchmark)")
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("benchmark", .string(benchmark)), ("mAP", .number(meanAveragePrecision))]
        switch scores {
        case .standard(let result):
            pairs.append(("num_queries", .integer(result.queries.count)))
            for (key, value) in extra { pairs.append((key, .number(value))) }
            pairs += details
            pairs.append(("queries", .array(result.queries.map {
                .object([("name", .string($0.name)), ("ap", .number($0.averagePrecision))])
            })))
        case .revisited(let queries, let settings):
            pairs.append(("num_queries", .integer(queries.count)))
            for setting in settings {
                var summary: [(String, JSON)] = [("mAP", .number(setting.meanAveragePrecision))]
                for (k, value) in zip(RevisitedBenchmark.precisionRanks, setting.meanPrecisions) {
                    summary.append(("mP@\(k)", .number(value)))
                }
                summary.append(("num_queries", .integer(setting.evaluatedCount)))
                pairs.append((setting.setting.rawValue.lowercased(), .object(summary)))
            }
            pairs += details
            let ap = { (value: Double?) -> JSON in value.map { .number($0) } ?? .null }
            pairs.append(("queries", .array(queries.indices.map { index in
                .object([("name", .string(queries[index])), ("ap", ap(settings[1].scores[index]?.averagePrecision)),
                         ("ap_easy", ap(settings[0].scores[index]?.averagePrecision)),
                         ("ap_hard", ap(settings[2].scores[index]?.averagePrecision))])
            })))
        }
        return .object(pairs)
    }

    /// One mean curve per setting (revisited) or for the benchmark.
    var plotSeries: [CurvePlot.Series] {
        switch scores {
        case .standard(let result):
            guard let curve = PrecisionRecall.meanCurve(result.queries.map { ($0.hits, $0.relevantCount) }) else { return [] }
            let label = extra.first.map { "\($0.0) " + String(format: "%.4f", $0.1) }
                ?? "mAP " + String(format: "%.4f", result.meanAveragePrecision)
            return [CurvePlot.Series.precisionRecall(label: label, precision: curve)]
        case .revisited(_, let settings):
            return settings.compactMap { setting in
                let scores = setting.scores.compactMap { $0 }
                return PrecisionRecall.meanCurve(scores.map { ($0.hits, $0.positiveCount) }).map {
                    CurvePlot.Series.precisionRecall(label: "\(setting.setting.rawValue) mAP " + String(format: "%.4f", setting.meanAveragePrecision),
                                                                   precision: $0)
                }
            }
        }
    }

    /// Adds what an end-to-end run used to the JSON object.
    mutating func describeRecipe(root: String, selection: ModelSelection.Selection, settings: RecipeSettings, top: Int,
                                 databaseImages: Int, unreadable: Int, pcaDims: Int?, seconds: Double) {
        details = [
            ("dataset_root", .string(root)), ("model", .string(selection.origin)),
            ("net", .string(selection.architecture.rawValue)), ("settings", settings.json(top: top)),
            ("database_images", .integer(databaseImages)), ("unreadable_images", .integer(unreadable)),
            ("pca_dims", pcaDims.map { .integer($0) } ?? .null), ("seconds", .number(seconds)),
        ]
    }

    /// Writes the precision–recall plot as a PNG.
    func writePlot(to path: String) throws {
        let image = CurvePlot.render(title: "\(benchmark) precision-recall", series: plotSeries)
        try createParent(of: path)
        try AtomicFile.write(PNGEncoder.encode(image), to: path)
    }

    /// Writes the JSON object (one line) to `path`.
    func writeJSON(to path: String) throws {
        try createParent(of: path)
        try AtomicFile.write(Array((json.text + "\n").utf8), to: path)
    }

    private func createParent(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
    }
}

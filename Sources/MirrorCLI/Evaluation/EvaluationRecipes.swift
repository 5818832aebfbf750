import Engines
import Foundation
import MirrorCore
import MirrorImageIO

import MirrorRetrieval

/// `mirror eval BENCHMARK --dataset-root DIR`: the seed's whole `pipeline.sh` recipe in one
/// process — query images, database extraction, PCA-whitened PR-MAC with query expansion, and the
/// metric — with the seed's settings per benchmark (`RecipeSettings`). Features are cached in
/// `OUT/features-<key>/`, where the key hashes the model and extraction settings, so a re-run
/// (or a run with other query settings) reuses them. `OUT` also receives what metric mode reads
/// (`match_pairs`, `image_list.txt`, `query_list.txt`), so every number can be re-scored by hand,
/// plus `report.json` and `pr_curve.png`.
enum EvaluationRecipes {
    static func run(benchmark: String, root: String, args: ParsedArguments, console: Console) throws -> EvaluationReport {
        let settings = try RecipeSettings(benchmark: benchmark, args: args)
        let quiet = args.flag("quiet")
        let say = { (text: String) in if !quiet { console.err("mirror eval: " + text) } }
        let out = args.string("output-dir") ?? "eval-\(benchmark)"
        let dataset = try EvaluationDataset.resolve(benchmark: benchmark, root: root, outputDirectory: out, args: args)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let join = { (name: String) in (out as NSString).appendingPathComponent(name) }
        let threads = try SharedOptions.threads(args)

        // The network, and where its features of these settings live.
        let (extractor, selection, shape) = try ExtractRunner.makeExtractor(
            args, selection: try ModelSelection.resolve(args), configuration: settings.extraction, backend: try args.choice("backend")!, threads: threads)
        let cache = try FeatureCache.folder(in: out, prefix: "features-", extraction: settings.extraction, selection: selection)
        say("\(benchmark): \(dataset.database.count) database images, \(selection.architecture.rawValue) from \(selection.origin); "
            + settings.summary + "; output in \(out)")
        let start = BenchTiming.now()

        // Database features, named by content (FeatureCache.ContentOutputs): two datasets with the
        // same image names under one --out never share features.
        let dbFolder = (cache as NSString).appendingPathComponent("db")
        try FileManager.default.createDirectory(atPath: dbFolder, withIntermediateDirectories: true)
        let dbImages = dataset.database.map(\.path)
        let cached = try FeatureCache.ContentOutputs(images: dbImages, folder: dbFolder, threads: threads ?? defaultThreadCount)
        let dbOutputs = cached.outputs
        let dbSummary = try ExtractRunner.extract(images: cached.unique.map { dbImages[$0] }, outputs: cached.unique.map { dbOutputs[$0] },
                                                  extractor: extractor, shape: shape, overwrite: false, quiet: quiet,
                                                  listingFolder: dbFolder, writeLists: false, positionalInputs: false, console: console)
        let kept = cached.kept(images: dbImages, failures: Set(dbSummary.failures.map(\.image)))
        let keptSet = Set(kept)
        let failed = Set(dataset.database.indices.filter { !keptSet.contains($0) }.map { dbImages[$0] })
        if !failed.isEmpty {
            console.warning("\(failed.count) database images could not be read and are left out of the ranking "
                            + "(they count as never retrieved; reasons in \(dbFolder)/failed.txt)")
        }
        guard !kept.isEmpty else { throw RecipeError.noDatabaseFeatures(folder: dbFolder) }

        // Query features: extracted from query images, or database features reused.
        var queryNames: [String] = [], queryFeatures: [String]? = nil
        switch dataset.queries {
        case .oxford(let names):
            let folder = (cache as NSString).appendingPathComponent(settings.cropQueries ? "queries-cropped" : "queries")
            let byName = Dictionary(dataset.database.map { ($0.name, $0.path) }, uniquingKeysWith: { first, _ in first })
            let jpegs = try OxfordQueries.prepare(names: names, groundTruthDirectory: dataset.groundTruth, outputFolder: folder,
                                                  crop: settings.cropQueries, reuse: true) { stem in
                guard let path = byName[stem] else { throw DatasetLayoutError.missingImage(name: stem, folder: root + "/jpg") }
                return path
            }
            queryNames = names
            queryFeatures = try extractQueries(jpegs, folder: folder, extractor: extractor, shape: shape, quiet: quiet, console: console)
        case .cropped(let names, let images, let boxes):
            let folder = (cache as NSString).appendingPathComponent("queries-cropped")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var jpegs: [String] = []
            for (name, (image, box)) in zip(names, zip(images, boxes)) {
                let output = (folder as NSString).appendingPathComponent(name + ".jpg")
                if !FileManager.default.fileExists(atPath: output) {
                    try OxfordQueries.encode(image: image, box: box, boxSource: dataset.groundTruth + " (bbx of \(name))", to: output)
                }
                jpegs.append(output)
            }
            queryNames = names
            queryFeatures = try extractQueries(jpegs, folder: folder, extractor: extractor, shape: shape, quiet: quiet, console: console)
        case .database(let indices):
            if let indices {
                if let bad = indices.first(where: { failed.contains(dataset.database[$0].path) }) {
                    throw RecipeError.queryUnreadable(image: dataset.database[bad].path)
                }
                queryNames = indices.map { dataset.database[$0].name }
                queryFeatures = indices.map { dbOutputs[$0] }
            }
        }

        // PCA-whitened PR-MAC with query expansion (deep_query.py), in full-database index space.
        let features = try FeatureSet.load(entries: kept.map { dbOutputs[$0] }, listName: dbFolder)
        let index = try RetrievalIndex.build(features: features, pca: PCAConfig(outDim: settings.outDim, solver: settings.solver),
                                             threads: threads)
        let queries = try queryFeatures.map { try index.prepareQueries(FeatureSet.load(entries: $0, listName: cache)) }
        let top = min(settings.top, index.count)
        let shortlist = SharedOptions.shortlist(settings.shortlist, databaseImages: index.count, say: say)
        let matcher = index.matcher(memoryBudget: settings.memoryBudget, threads: threads, shortlist: shortlist)
        var results = QueryExpansion.run(matcher: matcher, queries: queries, top: top, qe: settings.qe, rounds: settings.rounds)
            .map { $0.map { Match(index: kept[$0.index], score: $0.score) } }
        if queryFeatures == nil {  // self-matching: query i is kept[i]
            var full = [[Match]](repeating: [], count: dataset.database.count)
            for (position, list) in results.enumerated() { full[kept[position]] = list }
            results = full
        }
        try MatchPairs.write(results, regions: index.regions, to: join("match_pairs"))
        let seconds = Double(BenchTiming.now() - start) / 1e9
        say(String(format: "ranked %d queries against %d images (%@) in %.1f s", results.count, index.count,
                   index.pca.map { "PCA-whitened to \($0.outputDims) dims" } ?? "no PCA", seconds))

        // The metric, through the same files metric mode reads.
        let imageList = join("image_list.txt"), queryList = join("query_list.txt")
        try AtomicFile.write(Array(dataset.database.map { $0.name + "\n" }.joined().utf8), to: imageList)
        if queryFeatures != nil { try AtomicFile.write(Array(queryNames.map { $0 + "\n" }.joined().utf8), to: queryList) }
        var report: EvaluationReport
        switch benchmark {
        case "oxford", "paris":
            report = try EvaluationRunner.oxford(benchmark: benchmark, queryList: queryList, imageList: imageList,
                                                 matchPairs: join("match_pairs"), groundTruthDirectory: dataset.groundTruth,
                                                 rankedDirectory: join("ranked"))
        case "holidays":
            var truth = dataset.groundTruth
            if !FileManager.default.fileExists(atPath: truth) {
                truth = join("holidays_images.dat")
                try AtomicFile.write(Array(dataset.database.map { $0.name + "\n" }.joined().utf8), to: truth)
            }
            report = try EvaluationRunner.holidays(queryList: queryList, databaseList: imageList,
                                                   matchPairs: join("match_pairs"), groundTruth: truth)
        case "gl3d":
            report = try EvaluationRunner.gl3d(imageList: imageList, matchPairs: join("match_pairs"),
                                               groundTruthPairs: dataset.groundTruth, top: top)
        default:
            report = try EvaluationRunner.revisited(benchmark: benchmark, groundTruth: dataset.groundTruth,
                                                    matchPairs: join("match_pairs"), queryList: queryList, imageList: imageList)
        }
        report.describeRecipe(root: root, selection: selection, settings: settings, top: top,
                              databaseImages: dataset.database.count, unreadable: failed.count,
                              pcaDims: index.pca?.outputDims, seconds: seconds)
        try report.writeJSON(to: join("report.json"))
        try report.writePlot(to: join("pr_curve.png"))
        return report
    }

    /// Features of the query JPEGs, beside them; any failure is fatal (a query cannot be skipped).
    private static func extractQueries(_ jpegs: [String], folder: String, extractor: FeatureExtractor, shape: [Int],
                                       quiet: Bool, console: Console) throws -> [String] {
        let outputs = jpegs.map { ($0 as NSString).deletingPathExtension + ".npy" }
        let summary = try ExtractRunner.extract(images: jpegs, outputs: outputs, extractor: extractor, shape: shape,
                                                overwrite: false, quiet: quiet, listingFolder: folder, writeLists: false,
                                                positionalInputs: false, console: console)
        if let failure = summary.failures.first { throw RecipeError.queryUnreadable(image: failure.image) }
        return outputs
    }
}

enum RecipeError: Error, CustomStringConvertible {
    case noDatabaseFeatures(folder: String)
    case queryUnreadable(image: String)

    var description: String {
        switch self {
        case .noDatabaseFeatures(let folder): return "no database image could be read (reasons in \(folder)/failed.txt)"
        case .queryUnreadable(let image): return "query image \(image) could not be read; a benchmark cannot skip a query"
        }
    }
}

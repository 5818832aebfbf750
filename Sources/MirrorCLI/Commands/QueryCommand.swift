import Foundation
import MirrorCore
import MirrorRetrieval

/// `mirror query`: PR-MAC ranking with optional query expansion (the seed's `deep_query.py`).
enum QueryCommand {
    static let command = Command(
        name: "query",
        summary: "Rank database images for each query by PR-MAC; write match_pairs and pair lists.",
        synopsis: "(--index INDEX | --feature-list LIST) --out-dir DIR [options]",
        discussion: """
        For every query, each region is matched to its best region in every database image and the \
        best scores are summed (PR-MAC, SPEC §4). Results go to DIR/match_pairs in the seed's format \
        ('i j score' per line, score = sum / regions, no trailing newline). Without --query-list the \
        database images are the queries (self pairs included, as the seed). Query and database are \
        processed in blocks through sgemm, so memory is the index plus --max-memory.
        """,
        options: [
            .value("index", "INDEX", help: "Index built by 'mirror index' (else it is built from --feature-list like the seed)."),
        ] + PCAOptions.specs + PCAOptions.modeSpecs + [
            .value("query-list", "LIST", help: "Query feature list (default: the database itself)."),
            .value("top", "K", help: "Results kept per query (at most the database size).", default: "200"),
            .value("qe", "N", help: "Query expansion: add the top N results to the query (needs --et ≥ 1).", default: "0"),
            .value("et", "T", help: "Expansion rounds, each rebuilt from the original query.", default: "0"),
            .flag("aml", help: "Score by the best region pair (max) instead of the PR-MAC sum."),
            .value("out-dir", "DIR", help: "Folder for match_pairs."),
            .value("max-memory", "MB", help: "Working-memory budget of the blocked matcher (beyond the index).", default: "1024"),
            SharedOptions.shortlist,
            .value("pairs-out", "FILE", help: "Also write image pairs for reconstruction tools (queries = database only)."),
            .value("format", "FMT", help: "Pair list format: colmap (unique unordered pairs), hloc (per-query lists), "
                   + "tsv (with scores; for names with spaces).", default: "colmap", allowed: PairList.Format.allCases.map(\.rawValue)),
            .value("image-list", "LIST", help: "Image names for --pairs-out, in database order (default: feature file stems)."),
            .value("min-score", "S", help: "Drop pairs scoring below S (sum/regions, cosine) from --pairs-out."),
            SharedOptions.compute[1],
            SharedOptions.quiet,
        ],
        run: { args, console in
            let options = try QueryOptions(args)
            return try QueryRunner.run(options, args: args, console: console)
        })
}

/// Validated options of `mirror query`.
struct QueryOptions {
    var pca: PCAOptions
    var indexPath: String?
    var featureList: String?
    var queryList: String?
    var top: Int
    var qe: Int
    var rounds: Int
    var aml: Bool
    var outDir: String
    var memoryBudget: Int
    var shortlist: Int?
    var pairsOut: String?
    var format: PairList.Format
    var imageList: String?
    var minScore: Double?
    var threads: Int?
    var quiet: Bool

    init(_ args: ParsedArguments) throws {
        pca = try PCAOptions(args)
        indexPath = args.string("index")
        featureList = args.string("feature-list")
        guard (indexPath == nil) != (featureList == nil) else {
            throw UsageError("give exactly one of --index INDEX and --feature-list LIST", command: args.command)
        }
        queryList = args.string("query-list")
        top = try args.int("top", in: 1...Int.max)!
        qe = try args.int("qe", in: 0...Int.max)!
        rounds = try args.int("et", in: 0...Int.max)!
        aml = args.flag("aml")
        outDir = try args.required("out-dir")
        memoryBudget = try args.int("max-memory", in: 16...1_048_576)! << 20
        shortlist = try SharedOptions.requestedShortlist(args)
        pairsOut = args.string("pairs-out")
        format = PairList.Format(rawValue: try args.choice("format")!)!
        imageList = args.string("image-list")
        minScore = try args.double("min-score")
        threads = try SharedOptions.threads(args)
        quiet = args.flag("quiet")
        if pairsOut != nil && queryList != nil {
            throw UsageError("--pairs-out needs the database as its own queries (no --query-list)", command: args.command)
        }
        if minScore != nil && pca.euclidean {
            throw UsageError("--min-score applies to cosine scores, not to --euclidean-dist distances", command: args.command)
        }
    }
}

enum QueryRunner {
    static func run(_ options: QueryOptions, args: ParsedArguments, console: Console) throws -> Int32 {
        let say = { (text: String) in if !options.quiet { console.err("mirror query: " + text) } }
        let index: RetrievalIndex
        if let path = options.indexPath {
            index = try RetrievalIndex.read(from: path)
            if args.isSet("euclidean-dist") && index.normalizesInput {
                throw UsageError("--euclidean-dist needs an index built with --euclidean-dist (\(path) L2-normalises)",
                                 command: args.command)
            }
            say("index \(path): \(options.pca.describe(index))")
        } else {
            index = try options.pca.buildIndex(featureList: options.featureList!, threads: options.threads)
            say("built in memory: \(options.pca.describe(index))")
        }
        let queries = try options.queryList.map {
            try index.prepareQueries(FeatureSet.load(listFile: $0, root: options.pca.root, aggregation: index.aggregation))
        }
        let queryCount = queries.map { $0.count / (index.regions * index.dims) } ?? index.count
        let top = min(options.top, index.count)
        say("matching \(queryCount) queries against \(index.count) images, top \(top)"
            + (options.qe > 0 && options.rounds > 0 ? ", query expansion \(options.qe) × \(options.rounds) rounds" : ""))
        let start = BenchTiming.now()
        let shortlist = SharedOptions.shortlist(options.shortlist, databaseImages: index.count, say: say)
        let matcher = index.matcher(memoryBudget: options.memoryBudget, threads: options.threads, shortlist: shortlist)
        let results = QueryExpansion.run(matcher: matcher, queries: queries, top: top, aml: options.aml,
                                         metric: index.normalizesInput ? .cosine : .euclidean, qe: options.qe, rounds: options.rounds)
        try FileManager.default.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        let matchPairs = (options.outDir as NSString).appendingPathComponent("match_pairs")
        try MatchPairs.write(results, regions: index.regions, to: matchPairs)
        let seconds = Double(BenchTiming.now() - start) / 1e9
        say(String(format: "%d queries in %.2f s (%.1f queries/s) → %@", queryCount, seconds, Double(queryCount) / seconds, matchPairs))

        if let pairsOut = options.pairsOut {
            let names = try options.imageList.map { try TextList.read($0) } ?? index.names
            guard names.count == index.count else {
                throw QueryError.imageListLength(path: options.imageList ?? "", expected: index.count, actual: names.count)
            }
            let pairs = PairList.pairs(results, regions: index.regions, format: options.format, minScore: options.minScore)
            try AtomicFile.write(Array(try PairList.format(pairs, names: names, format: options.format).utf8), to: pairsOut)
            say("\(pairs.count) pairs (\(options.format.rawValue)) → \(pairsOut)")
        }
        return 0
    }
}

enum QueryError: Error, CustomStringConvertible {
    case imageListLength(path: String, expected: Int, actual: Int)

    var description: String {
        switch self {
        case .imageListLength(let path, let expected, let actual):
            return "\(path): \(actual) image names for a database of \(expected) images"
        }
    }
}

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
        ] + CalibrationOptions.specs + SelectionOptions.specs + [
            .value("shard", "K/N", help: "Rank only the K-th of N contiguous parts of the queries (whole query blocks) and "
                   + "write DIR/match_pairs.part-K-of-N; 'mirror merge' joins the parts into exactly the unsharded "
                   + "outputs. Needs --index."),
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
    var shard: (index: Int, count: Int)?

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
        if let text = args.string("shard") {
            shard = try SharedOptions.shard(text, args: args)
            if indexPath == nil {
                throw UsageError("--shard needs an index built once by 'mirror index' (every shard must search the same one)",
                                 command: args.command)
            }
            if pairsOut != nil { throw UsageError("with --shard, pair lists are written by 'mirror merge'", command: args.command) }
        }
        if pairsOut != nil && queryList != nil {
            throw UsageError("--pairs-out needs the database as its own queries (no --query-list)", command: args.command)
        }
        try SelectionOptions.requirePairsOut(args, pairsOut: pairsOut)
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
        let queryEntries = try options.queryList.map { try FeatureSet.entries(listFile: $0) }
        let queryCount = queryEntries?.count ?? index.count
        let top = min(options.top, index.count)
        let shortlist = SharedOptions.shortlist(options.shortlist, databaseImages: index.count, say: say)
        let matcher = index.matcher(memoryBudget: options.memoryBudget, threads: options.threads, shortlist: shortlist)
        let part = options.shard.map { matcher.part($0.index - 1, of: $0.count, total: queryCount, top: top) }
        // A shard reads only its own queries' features.
        let queries = try queryEntries.map { entries in
            let own = part.map { Array(entries[$0.range]) } ?? entries
            return own.isEmpty ? [] : try index.prepareQueries(
                FeatureSet.load(entries: own, root: options.pca.root, aggregation: index.aggregation, listName: options.queryList!))
        }
        let partText = part.map { " (shard \(options.shard!.index)/\(options.shard!.count): queries \($0.range.lowerBound + 1)–\($0.range.upperBound))" } ?? ""
        say("matching \(queryCount) queries\(partText) against \(index.count) images, top \(top)"
            + (options.qe > 0 && options.rounds > 0 ? ", query expansion \(options.qe) × \(options.rounds) rounds" : ""))
        let start = BenchTiming.now()
        let results = QueryExpansion.run(matcher: matcher, queries: queries, top: top, aml: options.aml,
                                         metric: index.normalizesInput ? .cosine : .euclidean, qe: options.qe, rounds: options.rounds,
                                         part: part)
        try FileManager.default.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        let seconds = Double(BenchTiming.now() - start) / 1e9
        if let part, let shard = options.shard {
            let file = QueryPartFile(shard: shard.index, shards: shard.count, part: part, regions: index.regions,
                                     databaseImages: index.count, queriesAreDatabase: queryEntries == nil,
                                     run: try runDescription(options, index: index, matcher: matcher, top: top, queries: queryEntries),
                                     results: results)
            let path = (options.outDir as NSString).appendingPathComponent(QueryPartFile.fileName(shard: shard.index, of: shard.count))
            try file.write(to: path)
            say(String(format: "%d queries in %.2f s → %@ (join the parts with 'mirror merge')", part.range.count, seconds, path))
            return 0
        }
        let matchPairs = try QueryOutputs.writeMatchPairs(results, regions: index.regions, outDir: options.outDir)
        say(String(format: "%d queries in %.2f s (%.1f queries/s) → %@", queryCount, seconds, Double(queryCount) / seconds, matchPairs))
        if let pairsOut = options.pairsOut {
            let names = try options.imageList.map { try TextList.read($0) } ?? index.names
            let (calibration, minProbability) = try CalibrationOptions.resolve(args, archive: nil, source: nil,
                                                                                pcaDims: index.pca?.outputDims ?? 0, say: say)
            // The selection picks among the --top results (self included, so top − 1 partners).
            let selecting = try SelectionOptions.parse(args, top: max(1, top - 1), minScore: options.minScore,
                                                       minProbability: minProbability)
            try QueryOutputs.writePairs(results, regions: index.regions, names: names, namesSource: options.imageList ?? "",
                                        to: pairsOut, format: options.format, minScore: options.minScore,
                                        calibration: calibration, minProbability: minProbability, selection: selecting, say: say)
        }
        return 0
    }

    /// What makes a shard's results the same run as another's: parts join only when this text is
    /// equal. The index by its stored checksum (copies on other nodes still match), the queries by
    /// the SHA-256 of their list, and every setting that changes results or the block grid.
    static func runDescription(_ options: QueryOptions, index: RetrievalIndex, matcher: PRMACMatcher, top: Int,
                               queries: [String]?) throws -> String {
        let path = options.indexPath!
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size - 4)
        let crc = (handle.readData(ofLength: 4)).reversed().map { String(format: "%02x", $0) }.joined()
        let queryText = queries.map { "queries \($0.count) from a list with SHA-256 "
            + SHA256.hex(SHA256.hash(Array($0.joined(separator: "\n").utf8))).prefix(16) } ?? "queries: the database"
        let search = matcher.usesShortlist(top: top)
            ? "two-stage, shortlist \(matcher.shortlist), stage-1 vector \(matcher.shortlistDescriptor.rawValue)" : "exhaustive"
        return """
        index: CRC-32C 0x\(crc), \(index.count) images × \(index.regions) regions × \(index.dims) dims
        \(queryText)
        top \(top), qe \(options.qe), et \(options.rounds), aml \(options.aml)
        search: \(search), query block \(matcher.queryBlock(top: top))

        """
    }
}

/// The files a query run writes, shared by `mirror query` and `mirror merge` (so joined parts
/// are written by the same code as an unsharded run).
enum QueryOutputs {
    /// `outDir/match_pairs`; returns its path.
    static func writeMatchPairs(_ results: [[Match]], regions: Int, outDir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let path = (outDir as NSString).appendingPathComponent("match_pairs")
        try MatchPairs.write(results, regions: regions, to: path)
        return path
    }

    /// A pair list for reconstruction tools; `names` in database order (from `namesSource`, for errors).
    static func writePairs(_ results: [[Match]], regions: Int, names: [String], namesSource: String, to path: String,
                           format: PairList.Format, minScore: Double?, calibration: MatchabilityCalibration? = nil,
                           minProbability: Double? = nil, selection: PairSelection.Options? = nil,
                           say: (String) -> Void) throws {
        guard names.count == results.count else {
            throw QueryError.imageListLength(path: namesSource, expected: results.count, actual: names.count)
        }
        let pairs: [PairList.Pair]
        if let selection {
            let (edges, summary) = PairSelection.select(results, regions: regions, options: selection, calibration: calibration)
            pairs = SelectionOptions.pairs(edges)
            say(SelectionOptions.describe(summary, options: selection))
        } else {
            pairs = PairList.pairs(results, regions: regions, format: format, minScore: minScore, calibration: calibration,
                                   minProbability: minProbability)
        }
        if pairs.isEmpty && (minScore != nil || minProbability != nil) {
            throw PairsError.noPairs(minScore: minScore, minProbability: minProbability)
        }
        try AtomicFile.write(Array(try PairList.format(pairs, names: names, format: format).utf8), to: path)
        say("\(pairs.count) pairs (\(format.rawValue)) → \(path)")
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

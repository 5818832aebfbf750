import Foundation
import MirrorCore
import MirrorRetrieval

/// `mirror merge`: joins the parts of `mirror query --shard K/N` into the outputs of the unsharded
/// run, byte for byte (`QueryPart`, `QueryPartFile`).
enum MergeCommand {
    static let command = Command(
        name: "merge",
        summary: "Join the parts written by 'mirror query --shard K/N' into match_pairs and pair lists.",
        synopsis: "PART... [--out-dir DIR] [--pairs-out FILE (--index INDEX | --image-list LIST) [selection]] [options]",
        discussion: """
        Give every part of one run (e.g. results/match_pairs.part-*). Each shard must appear exactly \
        once and all parts must come from the same run (same index, queries and settings); anything \
        else is an error that names the part. The joined match_pairs, and the pair lists, are the \
        bytes the unsharded 'mirror query' writes, also with --calibration, --min-prob and the \
        selection flags (--mutual, --min-degree, --connect, --max-pairs), which work as in 'mirror query'.
        """,
        options: [
            .value("out-dir", "DIR", help: "Folder for match_pairs (default: the folder of the first part)."),
            .value("pairs-out", "FILE", help: "Also write image pairs for reconstruction tools (queries = database only)."),
            .value("format", "FMT", help: "Pair list format (as 'mirror query').", default: "colmap",
                   allowed: PairList.Format.allCases.map(\.rawValue)),
            .value("index", "INDEX", help: "The run's index, for the image names of --pairs-out (its feature file stems)."),
            .value("image-list", "LIST", help: "Image names for --pairs-out, in database order."),
            .value("min-score", "S", help: "Drop pairs scoring below S (sum/regions, cosine) from --pairs-out."),
        ] + CalibrationOptions.specs + SelectionOptions.specs + [
            SharedOptions.quiet,
        ],
        run: { args, console in try MergeRunner.run(args, console: console) })
}

enum MergeRunner {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        try args.checkPositionals(1...Int.max, describing: "the query parts")
        let quiet = args.flag("quiet")
        let say = { (text: String) in if !quiet { console.err("mirror merge: " + text) } }
        let pairsOut = args.string("pairs-out")
        let format = PairList.Format(rawValue: try args.choice("format")!)!
        let minScore = try args.double("min-score")
        if pairsOut != nil && (args.string("index") == nil) == (args.string("image-list") == nil) {
            throw UsageError("--pairs-out needs the image names: give --index INDEX or --image-list LIST", command: args.command)
        }
        try SelectionOptions.requirePairsOut(args, pairsOut: pairsOut)
        if args.isSet("calibration") && args.string("index") == nil {
            throw UsageError("--calibration needs --index (the calibration must be for scores of its PCA dimension)",
                             command: args.command)
        }
        let files = try args.positionals.map { (path: $0, file: try QueryPartFile.read(from: $0)) }
        let results = try QueryPartFile.join(files)
        let first = files[0].file
        let outDir = args.string("out-dir") ?? (files[0].path as NSString).deletingLastPathComponent
        let matchPairs = try QueryOutputs.writeMatchPairs(results, regions: first.regions, outDir: outDir.isEmpty ? "." : outDir)
        say("\(first.shards) parts, \(results.count) queries → \(matchPairs)")
        if let pairsOut {
            guard first.queriesAreDatabase else {
                throw UsageError("--pairs-out needs the database as its own queries; these parts ranked a query list",
                                 command: args.command)
            }
            let names: [String], source: String, pcaDims: Int
            if let list = args.string("image-list") {
                (names, source, pcaDims) = (try TextList.read(list), list, 0)
            } else {
                let path = args.string("index")!
                let index = try RetrievalIndex.read(from: path)
                (names, source, pcaDims) = (index.names, path, index.pca?.outputDims ?? 0)
            }
            let (calibration, minProbability) = try CalibrationOptions.resolve(args, archive: nil, source: nil, pcaDims: pcaDims,
                                                                                say: say)
            // As 'mirror query': the selection picks among each query's results (self included).
            let top = max(1, (results.map(\.count).max() ?? 1) - 1)
            let selecting = try SelectionOptions.parse(args, top: top, minScore: minScore, minProbability: minProbability)
            try QueryOutputs.writePairs(results, regions: first.regions, names: names, namesSource: source, to: pairsOut,
                                        format: format, minScore: minScore, calibration: calibration,
                                        minProbability: minProbability, selection: selecting, say: say)
        }
        return 0
    }
}

/// `mirror query`: PR-MAC ranking with optional query expansion (the seed's `deep_query.py`).
enum QueryCommand {
    static let pairFormats = ["colmap", "hloc", "tsv"]

    static let command = Command(
        name: "query",
        summary: "Rank database images for each query by PR-MAC; write match_pairs and pair lists.",
        synopsis: "(--index INDEX | --feature-list LIST) --out-dir DIR [options]",
        discussion: """
        For every query, each region is matched to its best region in every database image and the \
        best scores are summed (PR-MAC, SPEC §4). Results go to DIR/match_pairs in the seed's format \
        ('i j score' per line). Without --query-list the database images are the queries.
        """,
        options: [
            .value("index", "INDEX", help: "Index built by 'mirror index'."),
        ] + PCAOptions.specs + [
            .value("query-list", "LIST", help: "Query feature list (default: the database itself)."),
            .value("top", "K", help: "Results kept per query.", default: "200"),
            .value("qe", "N", help: "Query expansion: add the top N results to the query (needs --et ≥ 1).", default: "0"),
            .value("et", "T", help: "Expansion rounds, each rebuilt from the original query.", default: "0"),
            .flag("aml", help: "Score by the best region pair (max) instead of the PR-MAC sum."),
            .flag("euclidean-dist", help: "Rank by squared Euclidean distance instead of cosine."),
            .flag("rmac", help: "Sum each image's regions into one vector (R-MAC) before matching."),
            .flag("mac", help: "Use only each image's first region (global MAC) for matching."),
            .value("out-dir", "DIR", help: "Folder for match_pairs."),
            .value("max-memory", "MB", help: "Working-memory budget for the blocked matcher.", default: "1024"),
            .value("pairs-out", "FILE", help: "Also write image-name pairs for reconstruction tools."),
            .value("format", "FMT", help: "Pair list format.", default: "colmap", allowed: pairFormats),
            .value("min-score", "S", help: "Drop pairs scoring below S from --pairs-out."),
            SharedOptions.compute[1],
            SharedOptions.quiet,
        ],
        run: { args, _ in
            _ = try PCAOptions(args)
            _ = try args.int("top", in: 1...Int.max)
            _ = try args.int("qe", in: 0...Int.max)
            _ = try args.int("et", in: 0...Int.max)
            _ = try args.int("max-memory", in: 16...Int.max)
            _ = try args.choice("format")
            _ = try args.double("min-score")
            _ = try SharedOptions.threads(args)
            if args.string("index") == nil && args.string("feature-list") == nil {
                throw UsageError("give --index INDEX or --feature-list LIST", command: args.command)
            }
            _ = try args.required("out-dir")
            throw NotYetAvailable(command: "query", issue: 7)
        })
}

/// `mirror pairs`: the one-shot job for newcomers.
enum PairsCommand {
    static let command = Command(
        name: "pairs",
        summary: "One shot: extract, index and query a folder or list; write image pairs to match.",
        synopsis: "IMAGE_DIR_OR_LIST --out PAIRS.txt [options]",
        discussion: "Reuses features that already exist. The pair list feeds COLMAP's matches_importer or hloc.",
        options: [
            .value("out", "FILE", help: "Pair list to write.", default: "pairs.txt"),
            .value("top", "K", help: "Pairs kept per image.", default: "20"),
            .value("format", "FMT", help: "Pair list format.", default: "colmap", allowed: QueryCommand.pairFormats),
            .value("min-score", "S", help: "Drop pairs scoring below S."),
        ] + SharedOptions.model + SharedOptions.compute + [SharedOptions.quiet],
        run: { args, _ in
            try args.checkPositionals(1...1, describing: "the image folder or list")
            _ = try args.int("top", in: 1...Int.max)
            _ = try args.choice("format")
            _ = try args.double("min-score")
            _ = try args.choice("backend")
            _ = try SharedOptions.threads(args)
            throw NotYetAvailable(command: "pairs", issue: 7)
        })
}

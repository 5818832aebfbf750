import Foundation

/// `mirror eval`: the seed's benchmark metrics (SPEC §5), on existing results or end to end.
enum EvalCommand {
    static let benchmarks = ["oxford", "paris", "holidays", "gl3d", "roxford5k", "rparis6k", "pairs"]

    static let command = Command(
        name: "eval",
        summary: "Score retrieval on Oxford5K/Paris6K (also revisited), Holidays or GL3D with the seed's metrics.",
        synopsis: "BENCHMARK (--dataset-root DIR | --match-pairs FILE ...) [options]   (BENCHMARK: \(benchmarks.joined(separator: "|")))",
        discussion: """
        With --dataset-root, run the seed's whole pipeline.sh recipe: extract query and database features \
        (cached in --output-dir), rank with PCA-whitened PR-MAC and query expansion using the seed's settings \
        for the benchmark, then score; the layouts of DIR are in the README ("Evaluation"). \
        Without it, score an existing match_pairs file. \
        oxford/paris: --query-list --image-list --match-pairs --gt-dir; per-query AP as the seed's compute_ap \
        (good ∪ ok positive, junk skipped, 6 significant digits) and their mean. \
        holidays: --match-pairs --query-list --db-list --gt holidays_images.dat; the seed's holidays_map. \
        gl3d: --image-list --match-pairs --gt-pairs [--top K]; overlap mAP over the returned lists (mAP@K). \
        roxford5k/rparis6k: --gnd gnd_<benchmark>.pkl --match-pairs [--query-list --image-list]; Easy/Medium/Hard \
        mAP and mP@1,5,10 of the revisited protocol (the JSON 'mAP' is Medium). \
        --plot FILE.png draws the mean interpolated precision-recall curve; with --output-dir, report.json and \
        pr_curve.png are written there too. \
        pairs: --pairs LIST --overlaps DIR [--min-overlap T]; scores any pair list (colmap/hloc 'name1 name2' lines, or \
        'name1<TAB>name2<TAB>score') against ground-truth overlaps (DIR/images.txt + DIR/pairs.tsv, as mirror overlaps \
        writes): recall and precision of matchable pairs (overlap ≥ T), pairs per image, images left without a \
        matchable partner; with scores the GL3D mAP and recall at the top k partners per image; --plot draws recall \
        against pairs per image.
        """,
        options: [
            .value("dataset-root", "DIR", help: "Run the seed's whole pipeline on this dataset, then score."),
            .value("match-pairs", "FILE", help: "Results written by 'mirror query' (metric mode)."),
            .value("query-list", "LIST", help: "Query names in match_pairs order (oxford/paris: names such as all_souls_1; "
                   + "holidays: image paths; revisited: optional, default the .pkl's qimlist)."),
            .value("image-list", "LIST", help: "Database image names in feature order (oxford/paris/gl3d; revisited: optional, default imlist)."),
            .value("db-list", "LIST", help: "Holidays database image paths in feature order."),
            .value("gt-dir", "DIR", help: "Oxford/Paris ground-truth folder (*_good.txt, *_ok.txt, *_junk.txt)."),
            .value("gt", "FILE", help: "Holidays ground truth (holidays_images.dat)."),
            .value("gt-pairs", "FILE", help: "GL3D ground-truth pairs (lines 'i j ...'; end to end: default DIR/gl3d_gt_pairs)."),
            .value("gnd", "FILE.pkl", help: "Revisited ground truth gnd_roxford5k.pkl / gnd_rparis6k.pkl from the revisitop "
                   + "project (end to end: default DIR/gnd_<benchmark>.pkl)."),
            .value("top", "K", help: "Metric mode (gl3d): score the first K results per image (mAP@K). End to end: results "
                   + "kept per query (default 6500 oxford/paris/revisited, 10 holidays, 200 gl3d; capped at the database size)."),
            .value("output-dir", "DIR", help: "Where report.json and pr_curve.png go (oxford/paris also ranked lists DIR/<query>.txt, "
                   + "as oxford_bench.py); end to end also features and match_pairs (default ./eval-BENCHMARK)."),
            .value("plot", "FILE.png", help: "Write the precision-recall plot here."),
            .value("pairs", "LIST", help: "pairs: the pair list to score."),
            .value("overlaps", "DIR", help: "pairs: ground-truth overlaps folder (images.txt + pairs.tsv from mirror overlaps)."),
            .value("min-overlap", "T", help: "pairs: smallest overlap of a matchable pair.", default: "0.5"),
            .flag("json", help: "Print one JSON object (mAP, per-query {name, ap}) instead of the table."),
        ] + RecipeSettings.options + SharedOptions.model + SharedOptions.compute + [SharedOptions.quiet],
        run: { args, console in
            try args.checkPositionals(1...1, describing: "the benchmark name (\(benchmarks.joined(separator: ", ")))")
            let name = args.positionals[0]
            guard benchmarks.contains(name) else {
                var reason = "unknown benchmark '\(name)'; choose one of \(benchmarks.joined(separator: ", "))"
                if let close = EditDistance.closest(to: name, in: benchmarks) { reason += "; did you mean '\(close)'?" }
                throw UsageError(reason, command: args.command)
            }
            if name == "pairs" { return try PairListScoring.run(args, console: console) }
            let report: EvaluationReport
            if let root = args.string("dataset-root") {
                if args.isSet("match-pairs") {
                    throw UsageError("give either --dataset-root (run the pipeline) or --match-pairs (score results), not both",
                                     command: args.command)
                }
                report = try EvaluationRecipes.run(benchmark: name, root: root, args: args, console: console)
            } else {
                _ = try args.int("top", in: 1...Int.max)
                report = try EvaluationRunner.score(benchmark: name, args: args)
                if let outputDir = args.string("output-dir") {
                    try report.writeJSON(to: (outputDir as NSString).appendingPathComponent("report.json"))
                    try report.writePlot(to: (outputDir as NSString).appendingPathComponent("pr_curve.png"))
                }
            }
            if let plot = args.string("plot") { try report.writePlot(to: plot) }
            console.out(args.flag("json") ? report.json.text : report.table)
            return 0
        })
}

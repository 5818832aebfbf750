/// `mirror eval`: the seed's benchmark metrics (SPEC §5).
enum EvalCommand {
    static let benchmarks = ["oxford", "paris", "holidays", "gl3d", "roxford5k", "rparis6k"]

    static let command = Command(
        name: "eval",
        summary: "Score match_pairs on Oxford5K/Paris6K, Holidays or GL3D with the seed's metrics.",
        synopsis: "BENCHMARK [options]   (BENCHMARK: \(benchmarks.joined(separator: "|")))",
        discussion: """
        oxford/paris: --query-list --image-list --match-pairs --gt-dir; per-query AP as the seed's compute_ap \
        (good ∪ ok positive, junk skipped, 6 significant digits) and their mean. \
        holidays: --match-pairs --query-list --db-list --gt holidays_images.dat; the seed's holidays_map. \
        gl3d: --image-list --match-pairs --gt-pairs [--top K]; overlap mAP over the returned lists (mAP@K).
        """,
        options: [
            .value("match-pairs", "FILE", help: "Results written by 'mirror query'."),
            .value("query-list", "LIST", help: "Query names in match_pairs order (oxford/paris: names such as all_souls_1; holidays: image paths)."),
            .value("image-list", "LIST", help: "Database image names in feature order (oxford/paris/gl3d)."),
            .value("db-list", "LIST", help: "Holidays database image paths in feature order."),
            .value("gt-dir", "DIR", help: "Oxford/Paris ground-truth folder (*_good.txt, *_ok.txt, *_junk.txt)."),
            .value("gt", "FILE", help: "Holidays ground truth (holidays_images.dat)."),
            .value("gt-pairs", "FILE", help: "GL3D ground-truth pairs (lines 'i j ...')."),
            .value("top", "K", help: "GL3D: evaluate the first K returned entries per image (mAP@K)."),
            .value("dataset-root", "DIR", help: "Run the seed's whole pipeline on this dataset before scoring (lands with extract/query)."),
            .value("output-dir", "DIR", help: "oxford/paris: write each query's ranked list as DIR/<query>.txt (as oxford_bench.py)."),
            .flag("json", help: "Print one JSON object (mAP, per-query {name, ap}) instead of the table."),
        ] + SharedOptions.model + SharedOptions.compute,
        run: { args, console in
            try args.checkPositionals(1...1, describing: "the benchmark name (\(benchmarks.joined(separator: ", ")))")
            let name = args.positionals[0]
            guard benchmarks.contains(name) else {
                var reason = "unknown benchmark '\(name)'; choose one of \(benchmarks.joined(separator: ", "))"
                if let close = EditDistance.closest(to: name, in: benchmarks) { reason += "; did you mean '\(close)'?" }
                throw UsageError(reason, command: args.command)
            }
            let top = try args.int("top", in: 1...Int.max)
            if args.isSet("dataset-root") { throw NotYetAvailable(command: "eval --dataset-root", issue: 6) }
            let report: EvaluationReport
            switch name {
            case "oxford", "paris":
                report = try EvaluationRunner.oxford(benchmark: name, args: args)
            case "holidays":
                report = try EvaluationRunner.holidays(args: args)
            case "gl3d":
                report = try EvaluationRunner.gl3d(args: args, top: top)
            default:
                throw NotYetAvailable(command: "eval \(name)", issue: 6)
            }
            console.out(args.flag("json") ? report.json.text : report.table)
            return 0
        })
}

/// `mirror train`: triplet training (the seed's `train.py`).
enum TrainCommand {
    static let command = Command(
        name: "train",
        summary: "Fine-tune a network with triplet loss on GL3D overlap ground truth (not yet available).",
        synopsis: "--gl3d DIR [options]",
        discussion: "The seed's retrieval/train.py. No issue schedules it yet; this build only documents the interface.",
        options: [
            .value("gl3d", "DIR", help: "GL3D root with list/ and forward/ folders as the seed expects."),
            .value("save-dir", "DIR", help: "Where checkpoints are written."),
            .value("max-steps", "N", help: "Training steps.", default: "720000"),
            .value("learning-rate", "LR", help: "Base learning rate.", default: "1e-4"),
        ] + SharedOptions.model + SharedOptions.compute,
        run: { args, _ in
            _ = try args.int("max-steps", in: 1...Int.max)
            _ = try args.double("learning-rate", in: 0...1)
            throw NotYetAvailable(command: "train", issue: nil)
        })
}

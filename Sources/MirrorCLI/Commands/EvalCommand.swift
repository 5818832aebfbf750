/// `mirror eval`: the seed's benchmark metrics (SPEC §5).
enum EvalCommand {
    static let benchmarks = ["oxford", "paris", "holidays", "gl3d", "roxford5k", "rparis6k"]

    static let command = Command(
        name: "eval",
        summary: "Score match_pairs on Oxford5K/Paris6K, Holidays or GL3D with the seed's metrics.",
        synopsis: "BENCHMARK [options]   (BENCHMARK: \(benchmarks.joined(separator: "|")))",
        discussion: """
        oxford/paris: per-query AP as the seed's compute_ap (good ∪ ok positive, junk skipped) and mAP. \
        holidays: the seed's holidays_map. gl3d: overlap mAP@K over the returned lists.
        """,
        options: [
            .value("match-pairs", "FILE", help: "Results written by 'mirror query'."),
            .value("query-list", "LIST", help: "Query names (oxford/paris/holidays)."),
            .value("image-list", "LIST", help: "Database image names, in feature order."),
            .value("db-list", "LIST", help: "Holidays database list."),
            .value("gt-dir", "DIR", help: "Oxford/Paris ground-truth folder (*_good.txt, *_ok.txt, *_junk.txt, *_query.txt)."),
            .value("gt", "FILE", help: "Holidays ground truth (holidays_images.dat) or revisited .pkl."),
            .value("gt-pairs", "FILE", help: "GL3D ground-truth pairs (gl3d_gt_pairs)."),
            .value("top", "K", help: "GL3D: evaluate the first K results (mAP@K).", default: "200"),
            .value("dataset-root", "DIR", help: "Run the seed's whole pipeline on this dataset before scoring."),
            .value("output-dir", "DIR", help: "Write per-query ranked lists and the report here."),
            .flag("json", help: "Print one JSON object instead of the table."),
        ] + SharedOptions.model + SharedOptions.compute,
        run: { args, _ in
            try args.checkPositionals(1...1, describing: "the benchmark name (\(benchmarks.joined(separator: ", ")))")
            let name = args.positionals[0]
            guard benchmarks.contains(name) else {
                var reason = "unknown benchmark '\(name)'; choose one of \(benchmarks.joined(separator: ", "))"
                if let close = EditDistance.closest(to: name, in: benchmarks) { reason += "; did you mean '\(close)'?" }
                throw UsageError(reason, command: args.command)
            }
            _ = try args.int("top", in: 1...Int.max)
            throw NotYetAvailable(command: "eval", issue: 6)
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

/// `mirror convert`: checkpoints → HDF5 weights.
enum ConvertCommand {
    static let command = Command(
        name: "convert",
        summary: "Convert a TensorFlow checkpoint or PyTorch state dict to mirror's HDF5 weights.",
        synopsis: "INPUT --out FILE.h5 [options]   |   INPUT --list",
        discussion: "No TensorFlow or PyTorch is needed: both formats are read directly.",
        options: [
            .value("from", "FORMAT", help: "Input format.", default: "auto", allowed: ["auto", "tf", "pytorch"]),
            .value("net", "NAME", help: "Architecture the weights belong to.", allowed: SharedOptions.networkNames),
            .value("out", "FILE.h5", help: "HDF5 file to write (atomically)."),
            .flag("list", help: "Only list the input's tensors with dtype and shape."),
        ],
        run: { args, _ in
            try args.checkPositionals(1...1, describing: "the input checkpoint or state dict")
            _ = try args.choice("from")
            _ = try args.choice("net")
            throw NotYetAvailable(command: "convert", issue: 4)
        })
}

/// `mirror bench`: engine × network × size timings.
enum BenchCommand {
    static let command = Command(
        name: "bench",
        summary: "Benchmark the engines on a network (ms/image, GFLOP/s, ratio to in-run sgemm).",
        synopsis: "[options]",
        discussion: "Run on the release build ('make bench'). Ratios are measured within one run.",
        options: [
            .value("net", "NAME", help: "Network.", default: "resnet-50", allowed: SharedOptions.networkNames),
            .value("img-size", "S", help: "Input size.", default: "896"),
            .value("backend", "ENGINE", help: "Engine, or all.", default: "all",
                   allowed: SharedOptions.backendNames + ["all"]),
            SharedOptions.compute[1],
            .value("repeats", "N", help: "Timed runs (the median is reported).", default: "5"),
            .value("warmup", "N", help: "Untimed runs first.", default: "1"),
            .flag("json", help: "One JSON object per line."),
            .flag("layer", help: "Per-layer timing."),
        ],
        run: { args, _ in
            _ = try args.int("img-size", in: 32...8192)
            _ = try args.choice("backend")
            _ = try args.int("repeats", in: 1...10000)
            _ = try args.int("warmup", in: 0...10000)
            _ = try SharedOptions.threads(args)
            throw NotYetAvailable(command: "bench", issue: 3)
        })
}

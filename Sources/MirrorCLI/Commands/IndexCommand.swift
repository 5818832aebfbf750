/// `mirror index`: regional features → whitened, searchable index (the first half of the seed's `deep_query.py`).
enum IndexCommand {
    static let command = Command(
        name: "index",
        summary: "Build a search index: L2-normalise regions, fit PCA whitening, store vectors.",
        synopsis: "--feature-list LIST --out INDEX [options]",
        discussion: """
        PCA is fitted on all regional vectors of the database with the seed's gating rule: --out-dim K \
        whitens only when the list has more than K images; --pca-thresh picks the dimension by explained \
        variance; --pca-file applies a saved PCA. Without any of them no PCA is applied (SPEC §4).
        """,
        options: PCAOptions.specs + [
            .value("out", "INDEX", help: "Index file to write (atomically)."),
            SharedOptions.compute[1],
        ],
        run: { args, _ in
            _ = try PCAOptions(args)
            _ = try args.required("feature-list")
            _ = try args.required("out")
            _ = try SharedOptions.threads(args)
            throw NotYetAvailable(command: "index", issue: 7)
        })
}

/// The options that say which features to read and how to whiten them, shared by `index` and `query`.
struct PCAOptions {
    static let specs: [OptionSpec] = [
        .value("feature-list", "LIST", help: "Text file with one .npy feature path per line (the seed's --feature_list)."),
        .value("dataset-root", "DIR", help: "Prefix for relative paths in the feature list."),
        .value("out-dim", "K", help: "PCA-whiten to K dimensions (only when the database has more than K images, as the seed)."),
        .value("pca-thresh", "T", help: "PCA-whiten keeping the smallest dimension whose explained variance ratio reaches T (0<T≤1)."),
        .value("pca-file", "FILE.npy", help: "Apply a saved PCA (the seed's dict .npy with mean, eigvec, eigval)."),
        .value("pca-solver", "SOLVER", help: "exact: covariance eigen-decomposition (LAPACK). seed: the seed's randomized "
               + "solver with RandomState(0), for score-level parity with the paper.", default: "exact",
               allowed: ["exact", "seed"]),
    ]

    var outDim: Int?
    var threshold: Double?

    init(_ args: ParsedArguments) throws {
        outDim = try args.int("out-dim", in: 1...65536)
        threshold = try args.double("pca-thresh", in: 1e-9...1)
        _ = try args.choice("pca-solver")
    }
}

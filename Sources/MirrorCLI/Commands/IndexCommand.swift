import Foundation
import MirrorCore
import MirrorRetrieval

/// `mirror index`: regional features → whitened, searchable index (the first half of the seed's
/// `deep_query.py`: read_feature, normalize, PCA(whiten=True) fitted on the database's regions).
enum IndexCommand {
    static let command = Command(
        name: "index",
        summary: "Build a search index: L2-normalise regions, fit PCA whitening, store vectors.",
        synopsis: "--feature-list LIST --out INDEX [options]  |  --add LIST --index INDEX [--out INDEX2] [--refit-pca]",
        discussion: """
        PCA is fitted on all regional vectors of the database with the seed's gating rule: --out-dim K \
        whitens only when the list has more than K images; --pca-thresh picks the dimension by explained \
        variance; --pca-file applies a saved PCA. Without any of them no PCA is applied (SPEC §4). \
        The index file stores names, PCA and vectors with a checksum (Docs/FORMATS.md, "Index file"). \
        --add appends the images of LIST to an existing index under its normalisation and PCA: the old \
        vectors are kept byte for byte and the result equals a build over every image with that PCA; \
        --refit-pca instead rebuilds over every image (old entries re-read through --dataset-root). \
        The index is replaced atomically (--out writes elsewhere); an image already in it is an error.
        """,
        options: PCAOptions.specs + [
            .value("out", "INDEX", help: "Index file to write (atomically)."),
            .value("add", "LIST", help: "Append the features of LIST to --index (no refit: the index's own PCA)."),
            .value("index", "INDEX", help: "With --add: the index to extend (replaced unless --out is given)."),
            .flag("refit-pca", help: "With --add: refit PCA over old and new images (--out-dim defaults to the index's)."),
            .flag("half", help: "Store the vectors as float16: half the file and of the memory a query maps; "
                  + "scores move by < 1e-3 (Docs/FORMATS.md, \"Index file\")."),
        ] + PCAOptions.modeSpecs + [SharedOptions.compute[1], SharedOptions.quiet],
        run: { args, console in
            let options = try PCAOptions(args)
            let threads = try SharedOptions.threads(args)
            let say = { (text: String) in if !args.flag("quiet") { console.err("mirror index: " + text) } }
            if let list = args.string("add") {
                return try IndexAppendRunner.run(list: list, options: options, args: args, threads: threads, say: say)
            }
            for flag in ["index", "refit-pca"] where args.isSet(flag) {
                throw UsageError("--\(flag) goes with --add LIST", command: args.command)
            }
            let out = try args.required("out")
            var index = try options.buildIndex(featureList: try args.required("feature-list"), threads: threads)
            if args.flag("half") { index = index.halfPrecision() }
            try index.write(to: out)
            say("\(options.describe(index)), \(index.vectors.precision.rawValue) → \(out)")
            return 0
        })
}

/// `mirror index --add LIST --index INDEX [--out OUT] [--refit-pca]`.
enum IndexAppendRunner {
    static func run(list: String, options: PCAOptions, args: ParsedArguments, threads: Int?, say: (String) -> Void) throws -> Int32 {
        let path = try args.required("index")
        let out = args.string("out") ?? path
        if args.isSet("feature-list") { throw UsageError("give either --feature-list or --add", command: args.command) }
        let refit = args.flag("refit-pca")
        for flag in ["out-dim", "pca-thresh", "pca-file", "euclidean-dist", "rmac", "mac", "half"] where !refit && args.isSet(flag) {
            throw UsageError("--\(flag) cannot change an index by --add (it keeps the index's own settings; "
                             + "--refit-pca rebuilds)", command: args.command)
        }
        let existing = try RetrievalIndex.read(from: path)
        guard refit else {
            let features = try FeatureSet.load(listFile: list, root: options.root, aggregation: existing.aggregation)
            let after = try existing.writeAppending(features, indexPath: path, to: out)
            say("\(after - existing.count) images added to \(existing.count) under the index's PCA → \(out) (\(after) images)")
            return 0
        }
        let added = try TextList.read(list)
        try existing.rejectHeld(added, indexPath: path)
        var config = options.config
        if config.outDim == nil && config.threshold == nil && config.file == nil { config.outDim = existing.pca?.outputDims }
        let features = try FeatureSet.load(entries: existing.entries + added, root: options.root, aggregation: existing.aggregation,
                                           listName: list)
        var index = try RetrievalIndex.build(features: features, pca: config, normalizeInput: existing.normalizesInput, threads: threads)
        if existing.vectors.precision == .float16 || args.flag("half") { index = index.halfPrecision() }
        try index.write(to: out)
        say("\(added.count) images added to \(existing.count), PCA refitted: \(options.describe(index)) → \(out)")
        return 0
    }
}

/// The options that say which features to read and how to whiten them, shared by `index` and `query`.
struct PCAOptions {
    static let specs: [OptionSpec] = [
        .value("feature-list", "LIST", help: "Text file with one .npy feature path per line (the seed's --feature_list)."),
        .value("dataset-root", "DIR", help: "Prefix for relative paths in the feature lists."),
        .value("out-dim", "K", help: "PCA-whiten to K dimensions (only when the database has more than K images, as the seed)."),
        .value("pca-thresh", "T", help: "PCA-whiten keeping the smallest dimension whose explained variance ratio reaches T (0<T≤1)."),
        .value("pca-file", "FILE.npy", help: "Apply a saved PCA (the seed's dict .npy with mean, eigvec, eigval)."),
        .value("pca-solver", "SOLVER", help: "exact: covariance eigen-decomposition (LAPACK). seed: the seed's randomized "
               + "solver with RandomState(0), for score-level parity with the paper.", default: "exact",
               allowed: PCAConfig.Solver.allCases.map(\.rawValue)),
    ]

    /// How regions are read and compared; stored in the index, so `query` takes them from it.
    static let modeSpecs: [OptionSpec] = [
        .flag("euclidean-dist", help: "Rank by squared Euclidean distance; features are not L2-normalised (the seed's --euclidean_dist)."),
        .flag("rmac", help: "Sum each image's regions into one vector (R-MAC) before matching."),
        .flag("mac", help: "Use only each image's first region (global MAC) for matching."),
    ]

    var config: PCAConfig
    var root: String?
    var aggregation: FeatureSet.Aggregation
    var euclidean: Bool

    init(_ args: ParsedArguments) throws {
        let outDim = try args.int("out-dim", in: 1...65536)
        let threshold = try args.double("pca-thresh", in: 1e-9...1)
        let solver = PCAConfig.Solver(rawValue: try args.choice("pca-solver")!)!
        config = PCAConfig(outDim: outDim, threshold: threshold, file: args.string("pca-file"), solver: solver)
        root = args.string("dataset-root")
        if args.flag("rmac") && args.flag("mac") {
            throw UsageError("give at most one of --rmac and --mac", command: args.command)
        }
        aggregation = args.flag("rmac") ? .rmac : args.flag("mac") ? .mac : .regional
        euclidean = args.flag("euclidean-dist")
    }

    func buildIndex(featureList: String, threads: Int?) throws -> RetrievalIndex {
        let features = try FeatureSet.load(listFile: featureList, root: root, aggregation: aggregation)
        return try RetrievalIndex.build(features: features, pca: config, normalizeInput: !euclidean, threads: threads)
    }

    func describe(_ index: RetrievalIndex) -> String {
        var text = "\(index.count) images × \(index.regions) regions × \(index.inputDims) dims"
        if let pca = index.pca {
            text += ", PCA-whitened to \(pca.outputDims) dims"
        } else if let k = config.outDim, index.count <= k {
            text += ", no PCA (the seed whitens only when images > --out-dim: \(index.count) ≤ \(k))"
        } else {
            text += ", no PCA"
        }
        return text
    }
}

import MirrorImageIO
import MirrorRetrieval

/// The seed's `pipeline.sh` settings per benchmark, each overridable on the command line.
///
/// | benchmark | img-size | rmac-step | scales | out-dim | qe × et | top |
/// |---|---|---|---|---|---|---|
/// | oxford, paris, roxford5k, rparis6k | 896 | 1,2 | multi | 256 | 10 × 2 | 6500 |
/// | holidays | 896 | 1,2 | multi | 512 | none | 10 |
/// | gl3d | 896 | 1,3,5 | single | 256 | none | 200 |
///
/// Holidays follows `pipeline.sh`'s holiday block (`feature_dim=512`, `--top 10`, QE commented
/// out; image size and steps carried over from the Oxford block above it). `top` is capped at the
/// database size, as `deep_query.py` does.
struct RecipeSettings {
    var extraction: FeatureExtractor.Configuration
    var outDim: Int
    var qe: Int
    var rounds: Int
    var top: Int
    var solver: PCAConfig.Solver
    var cropQueries: Bool
    var memoryBudget: Int
    /// `--shortlist` as given (nil: auto, resolved once the database size is known).
    var shortlist: Int?

    static let options: [OptionSpec] = [
        .value("img-size", "S", help: "End-to-end: short side after scaling (default 896)."),
        .value("rmac-step", "LIST", help: "End-to-end: R-MAC grid steps (default 1,2; gl3d 1,3,5)."),
        .flag("multi-scale", help: "End-to-end: pool the 1/2 and 1/4 scales too (default except gl3d)."),
        .flag("single-scale", help: "End-to-end: only the full scale (the gl3d default)."),
        .value("out-dim", "K", help: "End-to-end: PCA-whiten to K dims when the database has more than K images (default 256; holidays 512)."),
        .value("qe", "N", help: "End-to-end: query expansion with the top N results (default 10 for oxford/paris/revisited, else 0)."),
        .value("et", "T", help: "End-to-end: expansion rounds (default 2 for oxford/paris/revisited, else 0)."),
        .value("pca-solver", "SOLVER", help: "End-to-end: exact or seed (see 'mirror index').", default: "exact",
               allowed: PCAConfig.Solver.allCases.map(\.rawValue)),
        .flag("crop-queries", help: "End-to-end oxford/paris: crop queries to their box (default: full image, as the seed)."),
        .value("max-memory", "MB", help: "End-to-end: working-memory budget of the matcher.", default: "1024"),
        SharedOptions.shortlist,
    ]

    init(benchmark: String, args: ParsedArguments) throws {
        let oxfordLike = ["oxford", "paris", "roxford5k", "rparis6k"].contains(benchmark)
        let gl3d = benchmark == "gl3d"
        let imageSize = try args.int("img-size", in: 32...8192) ?? 896
        let steps = try args.intList("rmac-step", in: 1...64) ?? (gl3d ? [1, 3, 5] : [1, 2])
        if args.flag("multi-scale") && args.flag("single-scale") {
            throw UsageError("give at most one of --multi-scale and --single-scale", command: args.command)
        }
        let multiScale = args.flag("multi-scale") || (!gl3d && !args.flag("single-scale"))
        if multiScale && SeedPreprocessing.multiScaleCount(imageSize: imageSize) == nil {
            throw UsageError.invalidValue("img-size", "\(imageSize)", command: args.command,
                                          reason: "multi-scale needs 224, 448, 896 or 1024 (the seed's pyramid sizes); add --single-scale")
        }
        extraction = FeatureExtractor.Configuration(imageSize: imageSize, steps: steps, multiScale: multiScale, pool: .max)
        outDim = try args.int("out-dim", in: 1...65536) ?? (benchmark == "holidays" ? 512 : 256)
        qe = try args.int("qe", in: 0...Int.max) ?? (oxfordLike ? 10 : 0)
        rounds = try args.int("et", in: 0...Int.max) ?? (oxfordLike ? 2 : 0)
        top = try args.int("top", in: 1...Int.max) ?? (oxfordLike ? 6500 : gl3d ? 200 : 10)
        solver = PCAConfig.Solver(rawValue: try args.choice("pca-solver")!)!
        cropQueries = args.flag("crop-queries")
        memoryBudget = try args.int("max-memory", in: 16...1_048_576)! << 20
        shortlist = try SharedOptions.requestedShortlist(args)
    }

    var summary: String {
        "S=\(extraction.imageSize), steps \(extraction.effectiveSteps.map(String.init).joined(separator: ","))"
            + (extraction.multiScale ? " multi-scale" : "") + ", out-dim \(outDim)"
            + (qe > 0 && rounds > 0 ? ", QE \(qe) × \(rounds)" : "") + ", top \(top)"
    }

    func json(top effectiveTop: Int) -> JSON {
        .object([
            ("img_size", .integer(extraction.imageSize)),
            ("rmac_step", .array(extraction.effectiveSteps.map { .integer($0) })),
            ("multi_scale", .bool(extraction.multiScale)), ("pool", .string(extraction.pool.rawValue)),
            ("out_dim", .integer(outDim)), ("qe", .integer(qe)), ("et", .integer(rounds)), ("top", .integer(effectiveTop)),
            ("pca_solver", .string(solver.rawValue)), ("crop_queries", .bool(cropQueries)),
            ("shortlist", shortlist.map { .integer($0) } ?? .string("auto")),
        ])
    }
}

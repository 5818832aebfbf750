import MirrorImageIO

/// `mirror extract`: images → regional (R-MAC grid) feature files, the seed's `inference.py`.
enum ExtractCommand {
    static let command = Command(
        name: "extract",
        summary: "Extract regional CNN features (one [dim, regions] float32 .npy per image).",
        synopsis: "(--img-list LIST | IMAGE_OR_DIR...) [options]",
        discussion: """
        Each image is decoded, its short side scaled to --img-size and centre-cropped as the seed does, \
        run through the network, and max- (or average-) pooled over the R-MAC grid given by --rmac-step. \
        Outputs go next to each image (the seed's behaviour) or into --output-folder under the image's stem. \
        Bad images are reported on stderr and in failed.txt and skipped; the exit status is 1 if any failed.
        """,
        options: [
            .value("img-list", "LIST", help: "Text file with one image path per line (the seed's --img_list)."),
            .value("gl3d-root", "DIR", help: "Prefix for relative paths in --img-list (the seed's GL3D layout)."),
            .value("output-folder", "DIR", help: "Write features here under each image's stem instead of beside the image."),
        ] + SharedOptions.model + [
            .value("img-size", "S", help: "Short side after scaling; the crop is S×S (default: what the weight file was "
                   + "validated at, else 896; likewise --rmac-step and --dct).", default: "896"),
            .value("pool", "MODE", help: "Regional pooling.", default: "MAX", allowed: ["MAX", "AVG"]),
            .value("rmac-step", "LIST", help: "Comma-separated R-MAC grid steps (SPEC §3).", default: "1,3,5"),
            .flag("multi-scale", help: "Also pool the 1/2 and 1/4 decimated inputs and append their regions."),
            .value("save-suffix", "SUFFIX", help: "Suffix replacing the image extension.", default: ".npy"),
            .value("oxford-gt", "DIR", help: "Oxford/Paris ground-truth folder: extract the query images named in *_query.txt."),
            .flag("crop-queries", help: "With --oxford-gt, crop queries to their bounding box (default: full image, as the seed)."),
            .value("batch-size", "N", help: "Accepted for seed compatibility; mirror pipelines images one by one.", default: "1"),
            .flag("overwrite", help: "Recompute features whose output file already exists and is valid."),
            SharedOptions.dct,
            .value("shard", "K/N", help: "Process only the K-th of N disjoint deterministic slices of the list (1-based)."),
        ] + SharedOptions.compute + [SharedOptions.quiet],
        run: { args, console in try ExtractRunner.run(ExtractOptions(args), args: args, console: console) })
}

/// Validated options of `mirror extract`.
struct ExtractOptions {
    var imageList: String?
    var inputs: [String]
    var imageSize: Int
    var pool: String
    var rmacSteps: [Int]
    var multiScale: Bool
    var shard: (index: Int, count: Int)?
    var threads: Int?
    var backend: String
    var outputFolder: String?
    var suffix: String
    var overwrite: Bool
    var quiet: Bool
    var dct: String

    init(_ args: ParsedArguments) throws {
        imageList = args.string("img-list")
        inputs = args.positionals
        if imageList == nil && inputs.isEmpty {
            throw UsageError("give --img-list LIST or at least one image or folder", command: args.command)
        }
        if imageList != nil && !inputs.isEmpty {
            throw UsageError("give either --img-list or image/folder arguments, not both", command: args.command)
        }
        imageSize = try args.int("img-size", in: 32...8192)!
        pool = try args.choice("pool")!
        rmacSteps = try args.intList("rmac-step", in: 1...64)!
        multiScale = args.flag("multi-scale")
        _ = try args.int("batch-size", in: 1...4096)
        backend = try args.choice("backend")!
        _ = try args.choice("net")
        threads = try SharedOptions.threads(args)
        outputFolder = args.string("output-folder")
        suffix = try args.required("save-suffix")
        overwrite = args.flag("overwrite")
        quiet = args.flag("quiet")
        dct = try args.choice("dct")!
        try checkMultiScale(args)
        if args.isSet("ckpt-step") { _ = try args.int("ckpt-step", in: 0...Int.max) }
        if let text = args.string("shard") { shard = try SharedOptions.shard(text, args: args) }
    }

    /// `--multi-scale` works at the seed's pyramid sizes only (checked again once the weight
    /// file's validated size is known).
    func checkMultiScale(_ args: ParsedArguments) throws {
        if multiScale && SeedPreprocessing.multiScaleCount(imageSize: imageSize) == nil {
            throw UsageError.invalidValue("img-size", "\(imageSize)", command: args.command,
                                          reason: "--multi-scale needs 224, 448, 896 or 1024 (the seed's pyramid sizes)")
        }
    }
}

import MirrorImageIO
import MirrorRetrieval

/// Option groups shared by several commands, declared once so that help text and validation
/// stay identical everywhere (STYLE example 11).
enum SharedOptions {
    static let networkNames = ["efficientnet-lite0", "resnet-50", "googlenet"]
    static let backendNames = ["naive", "simd", "blas"]

    /// `--net`, `--weights` and the seed's `--ckpt-path`/`--ckpt-step` pair.
    static let model: [OptionSpec] = [
        .value("net", "NAME", help: "Network architecture. Without --net and --weights the default model "
               + "(EfficientNet-Lite0 ImageNet weights installed by 'make setup' in Models/) is used.",
               allowed: networkNames),
        .value("weights", "FILE.h5", help: "HDF5 weight file (see Docs/FORMATS.md); its architecture attribute "
               + "must match --net when both are given."),
        .value("ckpt-path", "PREFIX", help: "The seed's TensorFlow checkpoint prefix, e.g. ./data/model/model.ckpt "
               + "(read directly, no TensorFlow needed)."),
        .value("ckpt-step", "N", help: "Checkpoint step appended to --ckpt-path as PREFIX-N, e.g. 720000."),
    ]

    /// `--backend` and `--threads`.
    static let compute: [OptionSpec] = [
        .value("backend", "ENGINE", help: "Convolution engine: naive (plain Swift reference), simd (Swift SIMD, "
               + "blocked, multi-threaded) or blas (OpenBLAS GEMM).", default: "blas", allowed: backendNames),
        .value("threads", "N", help: "Worker threads for every engine, OpenBLAS included.",
               default: "all cores"),
    ]

    static let quiet = OptionSpec.flag("quiet", help: "No progress output on stderr.")

    /// The JPEG decoder's inverse DCT (`extract`, `pairs`).
    static let dct = OptionSpec.value("dct", "METHOD", help: "JPEG inverse DCT: fast (IFAST, TF1's decode_jpeg, the seed) "
                                      + "or accurate (ISLOW).", default: "fast", allowed: dctNames)
    static let dctNames = DCTMethod.allCases.map(\.rawValue)

    /// The two-stage search (`query`, `pairs`, `eval`).
    static let shortlist = OptionSpec.value(
        "shortlist", "K", help: "Re-score only the best K database images per query, ranked by one global vector "
        + "each (R-MAC), with exact PR-MAC; 0: exhaustive. auto: \(ShortlistPolicy.defaultSize) above "
        + "\(ShortlistPolicy.exhaustiveUpTo) images, else exhaustive.", default: "auto")

    /// `--shortlist` as given: nil for auto.
    static func requestedShortlist(_ args: ParsedArguments) throws -> Int? {
        let text = args.string("shortlist") ?? "auto"
        return text == "auto" ? nil : try args.int("shortlist", in: 0...Int(Int32.max))
    }

    /// The shortlist for a database of `images`; `say` gets a notice when auto turned it on.
    static func shortlist(_ requested: Int?, databaseImages images: Int, say: (String) -> Void) -> Int {
        let size = ShortlistPolicy.resolve(requested, databaseImages: images)
        if requested == nil && size > 0 {
            say("\(images) images: two-stage search, exact PR-MAC on the best \(size) per query by global vector "
                + "(--shortlist 0 for exhaustive)")
        }
        return size
    }

    /// `--shard K/N` of `extract` and `query`: 1-based K and N.
    static func shard(_ text: String, args: ParsedArguments) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 1 << 20, (1...n).contains(k) else {
            throw UsageError.invalidValue("shard", text, command: args.command,
                                          reason: "expected K/N with 1 ≤ K ≤ N, e.g. 2/8")
        }
        return (k, n)
    }

    /// Validates `--threads` (positive integer or the default).
    static func threads(_ args: ParsedArguments) throws -> Int? {
        guard args.isSet("threads") else { return nil }
        return try args.int("threads", in: 1...1024)
    }
}

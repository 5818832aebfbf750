import MirrorImageIO

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

    /// Validates `--threads` (positive integer or the default).
    static func threads(_ args: ParsedArguments) throws -> Int? {
        guard args.isSet("threads") else { return nil }
        return try args.int("threads", in: 1...1024)
    }
}

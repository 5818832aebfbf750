import Foundation
import MirrorModels
import MirrorRetrieval

/// `mirror convert`: TensorFlow checkpoints / PyTorch state dicts → mirror's HDF5 weights, without
/// TensorFlow or PyTorch (the readers parse the formats directly, SPEC §6.2–6.3).
enum ConvertCommand {
    static let command = Command(
        name: "convert",
        summary: "Convert a TensorFlow checkpoint or PyTorch state dict to mirror's HDF5 weights (or annotate a weight file).",
        synopsis: "INPUT --out FILE.h5 [options]   |   INPUT --list",
        discussion: """
        INPUT is a TF checkpoint prefix (model.ckpt-720000), its .index file, a folder with a 'checkpoint' file, \
        or a PyTorch .pth (zip or legacy format); the seed's --ckpt-path P --ckpt-step N pair also works. \
        Seed TF names pass through; optimizer slots and counters are dropped; PyTorch EfficientNet-Lite0 names \
        and OIHW kernels are mapped to mirror's layout. The result is checked against the architecture and \
        written atomically. INPUT may also be a mirror weight file (.h5), copied with its attributes. \
        --img-size records the extraction settings the weights were validated at (with --rmac-step, --dct and \
        --note): extract and pairs then use them unless their own flags say otherwise.
        """,
        options: [
            .value("from", "FORMAT", help: "Input format.", default: "auto", allowed: ["auto", "tf", "pytorch"]),
            .value("net", "NAME", help: "Architecture the weights belong to (inferred from TF names when omitted; "
                   + "PyTorch input is EfficientNet-Lite0).", allowed: SharedOptions.networkNames),
            .value("out", "FILE.h5", help: "HDF5 file to write (atomically)."),
            .value("ckpt-path", "PREFIX", help: "The seed's checkpoint prefix, instead of INPUT."),
            .value("ckpt-step", "N", help: "With --ckpt-path: read PREFIX-N."),
            .flag("list", help: "Only list the input's tensors with dtype and shape."),
            .value("img-size", "S", help: "Record: the input size the weights were validated at."),
            .value("rmac-step", "LIST", help: "Record, with --img-size: the R-MAC steps validated at.", default: "1,3,5"),
            .value("dct", "METHOD", help: "Record, with --img-size: the JPEG inverse DCT validated with.", default: "fast",
                   allowed: SharedOptions.dctNames),
            .value("note", "TEXT", help: "Record, with --img-size: on what data, with which result."),
            .value("calibration", "CAL.json", help: "Record a matchability calibration from 'mirror calibrate' (fitted on this "
                   + "model's scores; pairs then reports probabilities)."),
        ],
        run: { args, console in
            let input = try resolveInput(args)
            let isWeightFile = WeightArchive.isWeightFile(input)
            let format = isWeightFile ? nil : try detect(input, from: try args.choice("from")!, args: args)
            if args.flag("list") {
                guard let format else { throw UsageError("--list reads checkpoints and state dicts, not weight files", command: args.command) }
                try list(format, console: console)
                return 0
            }
            let out = try args.required("out")
            var (archive, dropped) = isWeightFile ? (try WeightArchive.read(from: input), [])
                : try convert(input, format: format!, args: args)
            if let size = try args.int("img-size", in: 32...8192) {
                archive.extraction = ValidatedExtraction(imageSize: size, rmacSteps: try args.intList("rmac-step", in: 1...64)!,
                                                         dct: try args.choice("dct")!, note: args.string("note"))
            } else if ["rmac-step", "dct", "note"].contains(where: args.isSet) {
                throw UsageError("--rmac-step, --dct and --note are recorded with --img-size", command: args.command)
            }
            if let path = args.string("calibration") {
                let calibration = try CalibrationOptions.read(path)
                guard calibration.source.net == archive.architecture, calibration.source.contentSHA256 == archive.contentSHA256 else {
                    throw CalibrationError.otherSource(path: path, difference: "fitted for \(calibration.source.net) weights "
                        + "\(calibration.source.contentSHA256.prefix(12)), this model is \(archive.architecture) weights "
                        + "\(archive.contentSHA256.prefix(12))")
                }
                archive.calibration = calibration.json
            }
            try archive.write(to: out)
            console.err("\(input): \(archive.tensors.count) tensors (\(archive.parameterCount) parameters) → \(out) "
                        + "[\(archive.architecture)]" + (dropped.isEmpty ? "" : "; dropped \(dropped.count) "
                        + "non-model entries (\(dropped.prefix(4).joined(separator: ", "))\(dropped.count > 4 ? ", …" : ""))")
                        + (archive.extraction.map { "; validated at \($0.json)" } ?? "")
                        + (archive.calibration == nil ? "" : "; with a calibration"))
            return 0
        })

    /// A checkpoint or state dict → a checked archive, and the entries dropped on the way.
    private static func convert(_ input: String, format: CheckpointFormat, args: ParsedArguments) throws -> (WeightArchive, [String]) {
            let net = try args.choice("net").map { Architecture(rawValue: $0)! }
            let converted: ConvertedWeights, architecture: Architecture, source: String
            switch format {
            case .tensorFlow(let prefix):
                converted = try WeightConversion.convert(tf: TFCheckpoint.open(prefix))
                architecture = try net ?? ModelSelection.inferArchitecture(of: converted.tensors, path: prefix)
                source = "converted by mirror \(MirrorCommandLine.version) from TensorFlow checkpoint \(prefix)"
            case .pyTorch(let path):
                if let net, net != .efficientNetLite0 {
                    throw UsageError("PyTorch input is supported for efficientnet-lite0 only (got --net \(net.rawValue))",
                                     command: args.command)
                }
                converted = try WeightConversion.convert(torch: TorchStateDict.load(path), net: .efficientNetLite0)
                architecture = .efficientNetLite0
                source = "converted by mirror \(MirrorCommandLine.version) from PyTorch state dict "
                    + (path as NSString).lastPathComponent
            }
            let archive = WeightArchive(architecture: architecture.rawValue, normalization: architecture.defaultNormalization,
                                        bnEpsilon: architecture.bnEpsilon, source: source, tensors: converted.tensors,
                                        origin: input)
            // The same check loading does: every name and shape, all problems in one error.
            try archive.validate(expected: architecture.expectedTensors)
            return (archive, converted.dropped)
    }


    private static func resolveInput(_ args: ParsedArguments) throws -> String {
        if let prefix = args.string("ckpt-path") {
            try args.checkPositionals(0...0, describing: "")
            guard let step = try args.int("ckpt-step", in: 0...Int.max) else { return prefix }
            return "\(prefix)-\(step)"
        }
        try args.checkPositionals(1...1, describing: "the input checkpoint or state dict (or --ckpt-path)")
        return args.positionals[0]
    }

    private static func detect(_ input: String, from: String, args: ParsedArguments) throws -> CheckpointFormat {
        let format = try CheckpointFormat.detect(input)
        switch (from, format) {
        case ("tf", .pyTorch), ("pytorch", .tensorFlow):
            throw UsageError("--from \(from) given, but \(input) looks like a \(from == "tf" ? "PyTorch file" : "TensorFlow checkpoint")",
                             command: args.command)
        default:
            return format
        }
    }

    private static func list(_ format: CheckpointFormat, console: Console) throws {
        let rows: [(String, String, [Int])]
        switch format {
        case .tensorFlow(let prefix):
            rows = try TFCheckpoint.open(prefix).listTensors().map { ($0.name, $0.dtype.description, $0.shape) }
        case .pyTorch(let path):
            rows = try TorchStateDict.load(path).listTensors().map { ($0.name, $0.dtype.description, $0.shape) }
        }
        let width = rows.map(\.0.count).max() ?? 0
        for (name, dtype, shape) in rows {
            console.out(name.padding(to: width) + "  " + dtype.padding(to: 8) + "  [" + shape.map(String.init).joined(separator: ", ") + "]")
        }
    }
}

import Foundation
import MirrorModels

/// `mirror convert`: TensorFlow checkpoints / PyTorch state dicts → mirror's HDF5 weights, without
/// TensorFlow or PyTorch (the readers parse the formats directly, SPEC §6.2–6.3).
enum ConvertCommand {
    static let command = Command(
        name: "convert",
        summary: "Convert a TensorFlow checkpoint or PyTorch state dict to mirror's HDF5 weights.",
        synopsis: "INPUT --out FILE.h5 [options]   |   INPUT --list",
        discussion: """
        INPUT is a TF checkpoint prefix (model.ckpt-720000), its .index file, a folder with a 'checkpoint' file, \
        or a PyTorch .pth (zip or legacy format); the seed's --ckpt-path P --ckpt-step N pair also works. \
        Seed TF names pass through; optimizer slots and counters are dropped; PyTorch EfficientNet-Lite0 names \
        and OIHW kernels are mapped to mirror's layout. The result is checked against the architecture and \
        written atomically.
        """,
        options: [
            .value("from", "FORMAT", help: "Input format.", default: "auto", allowed: ["auto", "tf", "pytorch"]),
            .value("net", "NAME", help: "Architecture the weights belong to (inferred from TF names when omitted; "
                   + "PyTorch input is EfficientNet-Lite0).", allowed: SharedOptions.networkNames),
            .value("out", "FILE.h5", help: "HDF5 file to write (atomically)."),
            .value("ckpt-path", "PREFIX", help: "The seed's checkpoint prefix, instead of INPUT."),
            .value("ckpt-step", "N", help: "With --ckpt-path: read PREFIX-N."),
            .flag("list", help: "Only list the input's tensors with dtype and shape."),
        ],
        run: { args, console in
            let input = try resolveInput(args)
            let format = try detect(input, from: try args.choice("from")!, args: args)
            if args.flag("list") {
                try list(format, console: console)
                return 0
            }
            let out = try args.required("out")
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
            try archive.write(to: out)
            console.err("\(input): \(converted.tensors.count) tensors (\(archive.parameterCount) parameters) → \(out) "
                        + "[\(architecture.rawValue)]" + (converted.dropped.isEmpty ? "" : "; dropped \(converted.dropped.count) "
                        + "non-model entries (\(converted.dropped.prefix(4).joined(separator: ", "))\(converted.dropped.count > 4 ? ", …" : ""))"))
            return 0
        })

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

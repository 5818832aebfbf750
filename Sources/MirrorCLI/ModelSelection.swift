import Foundation
import MirrorCore
import MirrorModels

/// Turns the shared model options (`--net`, `--weights`, `--ckpt-path`/`--ckpt-step`) into a loaded
/// network, with one rule set for every command:
/// - `--weights W.h5`: the HDF5 weight file (its `architecture` must match `--net` if given);
/// - `--ckpt-path P [--ckpt-step N]`: the seed's TensorFlow checkpoint `P-N`, read directly;
/// - neither: the default model, EfficientNet-Lite0 ImageNet weights installed by `make setup`.
enum ModelSelection {
    static let defaultWeightsFile = "efficientnet-lite0.h5"

    struct Selection {
        let architecture: Architecture
        let archive: WeightArchive
        /// Where the weights came from, for messages.
        let origin: String
    }

    static func resolve(_ args: ParsedArguments) throws -> Selection {
        let net = try args.choice("net").map { Architecture(rawValue: $0)! }
        if let weights = args.string("weights") {
            if args.isSet("ckpt-path") {
                throw UsageError("give either --weights or --ckpt-path, not both", command: args.command)
            }
            let archive = try WeightArchive.read(from: weights, architecture: net?.rawValue)
            guard let architecture = Architecture(rawValue: archive.architecture) else {
                throw ModelSelectionError.unknownArchitecture(path: weights, name: archive.architecture)
            }
            return Selection(architecture: architecture, archive: archive, origin: weights)
        }
        if let prefix = args.string("ckpt-path") {
            let step = try args.int("ckpt-step", in: 0...Int.max)
            let checkpoint = try step.map { try TFCheckpoint.open(prefix: prefix, step: $0) } ?? TFCheckpoint.open(prefix)
            let converted = try WeightConversion.convert(tf: checkpoint)
            let architecture = try net ?? inferArchitecture(of: converted.tensors, path: checkpoint.prefix)
            let archive = WeightArchive(architecture: architecture.rawValue, normalization: architecture.defaultNormalization,
                                        bnEpsilon: architecture.bnEpsilon, source: "TensorFlow checkpoint \(checkpoint.prefix)",
                                        tensors: converted.tensors, origin: checkpoint.prefix)
            return Selection(architecture: architecture, archive: archive, origin: checkpoint.prefix)
        }
        if let net, net != .efficientNetLite0 {
            throw UsageError("--net \(net.rawValue) needs its weights: --weights FILE.h5 (see 'mirror convert') "
                             + "or the seed's checkpoint via --ckpt-path PREFIX --ckpt-step N", command: args.command)
        }
        guard let path = defaultWeightsPath() else { throw ModelSelectionError.noDefaultModel(searched: defaultSearchPaths()) }
        let archive = try WeightArchive.read(from: path, architecture: Architecture.efficientNetLite0.rawValue)
        return Selection(architecture: .efficientNetLite0, archive: archive, origin: path)
    }

    /// The seed network whose every expected tensor is present (checkpoints carry no architecture tag).
    /// The input size, R-MAC steps and JPEG inverse DCT to extract with: each flag when given,
    /// else what the weight file records it was validated at (`ValidatedExtraction`), else the
    /// command's default (`fallback` values are the parsed options, defaults included).
    static func extractionSettings(_ args: ParsedArguments, selection: Selection, imageSize: Int, rmacSteps: [Int],
                                   dct: String) throws -> (imageSize: Int, rmacSteps: [Int], dct: String) {
        let validated = selection.archive.extraction
        return (args.isSet("img-size") ? imageSize : validated?.imageSize ?? imageSize,
                args.isSet("rmac-step") ? rmacSteps : validated?.rmacSteps ?? rmacSteps,
                args.isSet("dct") ? dct : validated?.dct ?? dct)
    }

    static func inferArchitecture(of tensors: [String: Tensor], path: String) throws -> Architecture {
        let names = Set(tensors.keys)
        if let match = Architecture.allCases.first(where: { Set($0.expectedTensors.keys).isSubset(of: names) }) {
            return match
        }
        let closest = Architecture.allCases.min { a, b in
            Set(a.expectedTensors.keys).subtracting(names).count < Set(b.expectedTensors.keys).subtracting(names).count
        }!
        let missing = Set(closest.expectedTensors.keys).subtracting(names).sorted()
        throw ModelSelectionError.cannotInferArchitecture(path: path, closest: closest.rawValue, missing: missing)
    }

    /// `MIRROR_DEFAULT_WEIGHTS`, then `Models/` in the working directory, then `Models/` in an
    /// ancestor of the executable's folder (so `.build/release/mirror` finds the checkout's model).
    static func defaultSearchPaths() -> [String] {
        var paths: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["MIRROR_DEFAULT_WEIGHTS"] { paths.append(explicit) }
        paths.append(FileManager.default.currentDirectoryPath + "/Models/" + defaultWeightsFile)
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            paths.append(directory.appendingPathComponent("Models/" + defaultWeightsFile).path)
            directory = directory.deletingLastPathComponent()
        }
        return paths
    }

    static func defaultWeightsPath() -> String? {
        defaultSearchPaths().first { FileManager.default.fileExists(atPath: $0) }
    }
}

enum ModelSelectionError: Error, CustomStringConvertible {
    case noDefaultModel(searched: [String])
    case unknownArchitecture(path: String, name: String)
    case cannotInferArchitecture(path: String, closest: String, missing: [String])

    var description: String {
        switch self {
        case .noDefaultModel(let searched):
            return "the default model is not installed (run 'make setup'; looked for \(searched.first ?? "")"
                + (searched.count > 1 ? " and \(searched.count - 1) other places" : "") + "), or pass --weights FILE.h5"
        case .unknownArchitecture(let path, let name):
            return "\(path): architecture '\(name)' is not one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))"
        case .cannotInferArchitecture(let path, let closest, let missing):
            return "\(path): not a complete checkpoint of any known network; closest is \(closest), which lacks "
                + "\(missing.count) tensors (\(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "")); pass --net"
        }
    }
}

import Foundation
import MirrorCore

/// Networks whose PyTorch checkpoints mirror can convert.
public enum TorchNetwork: String, CaseIterable, Sendable {
    case efficientNetLite0 = "efficientnet-lite0"
}

/// Checkpoint weights renamed and laid out for mirror.
public struct ConvertedWeights: Sendable {
    /// Mirror name → tensor (float32, HWIO kernels, [in,out] dense kernels).
    public var tensors: [String: Tensor]
    /// Checkpoint names deliberately not converted (optimizer slots, counters, string
    /// tensors), sorted.
    public var dropped: [String]
}

/// Errors from mapping checkpoint names to mirror's; each names the checkpoint file.
public enum WeightConversionError: Error, Equatable, CustomStringConvertible {
    /// Tensors that no rule maps and no rule drops — reported together, never silently skipped.
    case unmappedTensors(path: String, names: [String])
    /// A tensor's rank does not fit its layout rule (e.g. a 3-D "conv" weight).
    case unexpectedRank(path: String, name: String, shape: [Int], expectedRank: Int)
    /// Two checkpoint tensors map to the same mirror name.
    case duplicateTarget(path: String, target: String, sources: [String])
    /// The path is neither a TensorFlow checkpoint nor a PyTorch file.
    case unrecognizedFormat(path: String, reason: String)

    public var description: String {
        switch self {
        case .unmappedTensors(let path, let names):
            let shown = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", … (\(names.count) in all)" : "")
            return "\(path): \(names.count) tensor(s) match no conversion rule: \(shown)"
        case .unexpectedRank(let path, let name, let shape, let expectedRank):
            return "\(path): tensor '\(name)' has shape \(shape), expected rank \(expectedRank)"
        case .duplicateTarget(let path, let target, let sources):
            return "\(path): \(sources.joined(separator: " and ")) both map to '\(target)'"
        case .unrecognizedFormat(let path, let reason):
            return "\(path): not a TensorFlow checkpoint or PyTorch state dict: \(reason)"
        }
    }
}

/// What kind of checkpoint a path names (see `CheckpointFormat.detect`).
public enum CheckpointFormat: Equatable, Sendable {
    /// A TensorFlow V2 bundle with this prefix.
    case tensorFlow(prefix: String)
    /// A PyTorch `.pth` (zip or legacy pickle).
    case pyTorch(path: String)

    /// Detects the format: a `.index`/`.data-…` file, a prefix with a `.index`, or a folder with a
    /// `checkpoint` file → TensorFlow; a file starting with `PK\x03\x04` (zip) or `\x80\x02`
    /// (legacy pickle) → PyTorch.
    public static func detect(_ path: String) throws -> CheckpointFormat {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue || path.hasSuffix(".index") || TFShardNames.prefix(ofDataFile: path) != nil
            || FileManager.default.fileExists(atPath: path + ".index") || (path as NSString).lastPathComponent == "checkpoint" {
            do {
                return .tensorFlow(prefix: try TFCheckpoint.resolvePrefix(path))
            } catch let error as TFCheckpointError {
                throw WeightConversionError.unrecognizedFormat(path: path, reason: "\(error)")
            }
        }
        guard exists else { throw WeightConversionError.unrecognizedFormat(path: path, reason: "no such file, and no '\(path).index'") }
        let file = try RandomAccessFile(path: path)
        let magic = try file.read(offset: 0, count: min(4, file.length))
        if magic == [0x50, 0x4B, 0x03, 0x04] || magic.starts(with: [0x80, 0x02]) { return .pyTorch(path: path) }
        throw WeightConversionError.unrecognizedFormat(path: path, reason: "starts with neither PK\\x03\\x04 (zip) nor \\x80\\x02 (pickle)")
    }
}

/// Converts checkpoints to mirror's weight names and layouts with the rule tables of
/// `WeightNameMapping`. Every name is accounted for: converted, dropped by a rule, or reported.
public enum WeightConversion {
    /// A seed TensorFlow checkpoint: names unchanged, non-model variables and non-numeric
    /// tensors dropped, values converted to float32.
    public static func convert(tf checkpoint: TFCheckpoint) throws -> ConvertedWeights {
        var result = ConvertedWeights(tensors: [:], dropped: [])
        for info in checkpoint.listTensors() {
            guard let name = WeightNameMapping.tensorFlowName(for: info.name), info.dtype.byteWidth != nil else {
                result.dropped.append(info.name)
                continue
            }
            result.tensors[name] = try checkpoint.tensor(named: info.name)
        }
        return result
    }

    /// A PyTorch state dict of `net`: renamed, transposed to HWIO / [in,out], counters dropped.
    /// Throws `WeightConversionError.unmappedTensors` listing every key no rule covers.
    public static func convert(torch dict: TorchStateDict, net: TorchNetwork) throws -> ConvertedWeights {
        try convertTorch(names: dict.listTensors().map { ($0.name, $0.shape) }, net: net, path: dict.path,
                         load: dict.tensor(named:))
    }

    /// The same rules applied to tensors already in memory (PyTorch names and layouts).
    public static func convert(torchTensors: [String: Tensor], net: TorchNetwork, path: String = "<memory>") throws -> ConvertedWeights {
        try convertTorch(names: torchTensors.keys.sorted().map { ($0, torchTensors[$0]!.shape) }, net: net, path: path,
                         load: { torchTensors[$0]! })
    }

    /// Auto-detects the format of `path` (`CheckpointFormat.detect`) and converts it.
    public static func load(_ path: String, net: TorchNetwork = .efficientNetLite0) throws -> ConvertedWeights {
        switch try CheckpointFormat.detect(path) {
        case .tensorFlow(let prefix): return try convert(tf: TFCheckpoint.open(prefix))
        case .pyTorch(let path): return try convert(torch: TorchStateDict.load(path), net: net)
        }
    }

    private static func convertTorch(names: [(String, [Int])], net: TorchNetwork, path: String,
                                     load: (String) throws -> Tensor) throws -> ConvertedWeights {
        let (rules, drops): ((String) -> (name: String, layout: WeightLayout)?, [WeightNameMapping.NamePattern])
        switch net {
        case .efficientNetLite0: (rules, drops) = (WeightNameMapping.efficientNetLite0, WeightNameMapping.efficientNetLite0DropRules)
        }
        // Plan every name first so that all problems are reported together, before any data is read.
        var plan: [(source: String, target: String, layout: WeightLayout)] = []
        var dropped: [String] = [], unmapped: [String] = [], sources: [String: String] = [:]
        for (name, shape) in names {
            if drops.contains(where: { $0.matches(name) }) {
                dropped.append(name)
            } else if let (target, layout) = rules(name) {
                if let rank = layout.requiredRank, shape.count != rank {
                    throw WeightConversionError.unexpectedRank(path: path, name: name, shape: shape, expectedRank: rank)
                }
                if let other = sources[target] {
                    throw WeightConversionError.duplicateTarget(path: path, target: target, sources: [other, name])
                }
                sources[target] = name
                plan.append((name, target, layout))
            } else {
                unmapped.append(name)
            }
        }
        guard unmapped.isEmpty else { throw WeightConversionError.unmappedTensors(path: path, names: unmapped) }
        var tensors: [String: Tensor] = [:]
        for step in plan { tensors[step.target] = step.layout.apply(try load(step.source)) }
        return ConvertedWeights(tensors: tensors, dropped: dropped.sorted())
    }
}

import MirrorCore

/// How a checkpoint tensor's axes are rearranged into mirror's layout.
public enum WeightLayout: Equatable, Sendable {
    /// Kept as is (biases, BN parameters, TF kernels that are already HWIO).
    case unchanged
    /// PyTorch conv (O, I, kh, kw) → HWIO (kh, kw, I, O), i.e. axes (2, 3, 1, 0). A depthwise
    /// kernel (C, 1, k, k) becomes (k, k, 1, C) by the same permutation.
    case oihwToHWIO
    /// Dense (out, in) → (in, out).
    case transposed

    /// The rank a source tensor must have for this layout (nil: any).
    public var requiredRank: Int? {
        switch self {
        case .unchanged: return nil
        case .oihwToHWIO: return 4
        case .transposed: return 2
        }
    }

    /// Source axis for each output axis.
    var permutation: [Int]? {
        switch self {
        case .unchanged: return nil
        case .oihwToHWIO: return [2, 3, 1, 0]
        case .transposed: return [1, 0]
        }
    }

    /// Applies the rearrangement (a copy; O(n)). `tensor.rank` must equal `requiredRank`.
    public func apply(_ tensor: Tensor) -> Tensor {
        guard let permutation else { return tensor }
        precondition(tensor.rank == permutation.count, "\(self) needs rank \(permutation.count), got \(tensor.shape)")
        return Self.permute(tensor, axes: permutation)
    }

    /// `result[j…] = tensor[i…]` with `result.shape[k] = tensor.shape[axes[k]]`.
    static func permute(_ tensor: Tensor, axes: [Int]) -> Tensor {
        let shape = axes.map { tensor.shape[$0] }
        let sourceStrides = tensor.strides
        let strides = axes.map { sourceStrides[$0] }  // source stride of each output axis
        let bytes = tensor.data.withUnsafeBytes { Array($0) }
        let data = TorchStateDict.gather(bytes, dtype: .float32, offset: 0, shape: shape, strides: strides, count: tensor.count)
        return Tensor(shape: shape, data: data)
    }
}

/// Name rules from checkpoint variables to mirror's weight names (SPEC §6.4, §7), kept as data.
///
/// - TensorFlow (the seed's ResNet/GoogLeNet `tf.layers` checkpoints): names pass through
///   unchanged — mirror uses the seed's names — except the non-model variables matched by
///   `tensorFlowDropRules` (optimizer slots, counters, Adam's beta powers).
/// - PyTorch EfficientNet-Lite0 (`efficientnet-lite0-57934424.pth`): `efficientNetLite0Rules`
///   renames and transposes to HWIO, `efficientNetLite0DropRules` drops the BN counters.
public enum WeightNameMapping {
    /// A name pattern: exact, or by suffix/prefix.
    public enum NamePattern: Equatable, Sendable {
        case exact(String)
        case suffix(String)
        case prefix(String)

        public func matches(_ name: String) -> Bool {
            switch self {
            case .exact(let s): return name == s
            case .suffix(let s): return name.hasSuffix(s)
            case .prefix(let s): return name.hasPrefix(s)
            }
        }
    }

    /// TF checkpoint variables that are not model weights.
    public static let tensorFlowDropRules: [NamePattern] = [
        .exact("global_step"),                    // training step counter (int64 scalar)
        .exact("beta1_power"), .exact("beta2_power"),  // Adam's bias-correction accumulators
        .suffix("/Momentum"),                     // MomentumOptimizer slot
        .suffix("/Adam"), .suffix("/Adam_1"),     // AdamOptimizer slots (m, v)
        .suffix("/RMSProp"), .suffix("/RMSProp_1"),
        .suffix("/Adagrad"), .suffix("/Ftrl"), .suffix("/Ftrl_1"),
        .suffix("/ExponentialMovingAverage"),     // EMA shadow variables
        .prefix("_CHECKPOINTABLE_OBJECT_GRAPH"),  // TF2 object-graph metadata (a string)
    ]

    /// The mirror name of a TF checkpoint variable, or nil if it is dropped.
    public static func tensorFlowName(for name: String) -> String? {
        tensorFlowDropRules.contains { $0.matches(name) } ? nil : name
    }

    /// One renaming rule. `{i}` in `source` matches a block index (decimal digits) and is
    /// substituted into `target`.
    public struct Rule: Equatable, Sendable {
        public let source: String
        public let target: String
        public let layout: WeightLayout

        /// The target name if `name` matches `source`.
        public func map(_ name: String) -> String? {
            let parts = source.components(separatedBy: "{i}")
            guard parts.count == 2 else { return name == source ? target : nil }
            guard name.count > parts[0].count + parts[1].count, name.hasPrefix(parts[0]), name.hasSuffix(parts[1]) else { return nil }
            let index = name.dropFirst(parts[0].count).dropLast(parts[1].count)
            guard index.allSatisfy(\.isASCII), index.allSatisfy(\.isNumber), index == "0" || !index.hasPrefix("0") else { return nil }
            return target.replacingOccurrences(of: "{i}", with: String(index))
        }
    }

    /// PyTorch BatchNorm parameter → TF/mirror name.
    static let batchNormParameters = [
        ("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"), ("running_var", "moving_variance"),
    ]

    /// EfficientNet-Lite0: every weight of the PyTorch state dict → mirror's HDF5 names.
    public static let efficientNetLite0Rules: [Rule] = {
        var rules: [Rule] = [
            Rule(source: "_conv_stem.weight", target: "stem/conv/kernel", layout: .oihwToHWIO),                // [3,3,3,32]
            Rule(source: "_blocks.{i}._expand_conv.weight", target: "blocks_{i}/expand/conv/kernel", layout: .oihwToHWIO),     // [1,1,I,E]
            Rule(source: "_blocks.{i}._depthwise_conv.weight", target: "blocks_{i}/depthwise/conv/kernel", layout: .oihwToHWIO), // [k,k,1,C]
            Rule(source: "_blocks.{i}._project_conv.weight", target: "blocks_{i}/project/conv/kernel", layout: .oihwToHWIO),   // [1,1,E,O]
            Rule(source: "_conv_head.weight", target: "head/conv/kernel", layout: .oihwToHWIO),                // [1,1,320,1280]
            Rule(source: "_fc.weight", target: "classifier/kernel", layout: .transposed),                      // [1280,1000]
            Rule(source: "_fc.bias", target: "classifier/bias", layout: .unchanged),
        ]
        let batchNorms = [
            ("_bn0", "stem/bn"), ("_blocks.{i}._bn0", "blocks_{i}/expand/bn"),
            ("_blocks.{i}._bn1", "blocks_{i}/depthwise/bn"), ("_blocks.{i}._bn2", "blocks_{i}/project/bn"),
            ("_bn1", "head/bn"),
        ]
        for (source, target) in batchNorms {
            for (parameter, name) in batchNormParameters {
                rules.append(Rule(source: "\(source).\(parameter)", target: "\(target)/\(name)", layout: .unchanged))
            }
        }
        return rules
    }()

    /// EfficientNet-Lite0 entries that are not weights: BatchNorm's int64 step counters.
    public static let efficientNetLite0DropRules: [NamePattern] = [.suffix(".num_batches_tracked")]

    /// The mirror name and layout for an EfficientNet-Lite0 key; nil if no rule matches.
    public static func efficientNetLite0(_ name: String) -> (name: String, layout: WeightLayout)? {
        for rule in efficientNetLite0Rules {
            if let target = rule.map(name) { return (target, rule.layout) }
        }
        return nil
    }
}

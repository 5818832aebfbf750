import MirrorCore

/// GoogLeNet exactly as the seed builds it (`cnn_wrapper/googlenet.py`, class `GoogleNet`,
/// hlzz/mirror): Szegedy et al., "Going Deeper with Convolutions", CVPR 2015, in the BVLC Caffe
/// variant (layer names, branch widths, LRN), with `fcn=True` (no `loss3_classifier`).
///
/// - Every convolution is biased, SAME, with ReLU; there is no batch norm.
/// - `conv1_7x7_s2`: `tf.pad` of 3 then 7×7/2 VALID (SPEC §2) → `pool1_3x3_s2` max 3×3/2 SAME →
///   `pool1_norm1` LRN → `conv2_3x3_reduce` 1×1 → `conv2_3x3` 3×3 → `conv2_norm2` LRN →
///   `pool2_3x3_s2` max 3×3/2 SAME.
/// - LRN: `tf.nn.local_response_normalization(depth_radius=2, alpha=1.99999994948e-05 (= Float(2e-5)),
///   beta=0.75, bias=1)`, i.e. Caffe's local_size 5, alpha 1e-4.
/// - Inception modules 3a, 3b, `pool3_3x3_s2`, 4a–4e, `pool4_3x3_s2`, 5a, 5b: branches `_1x1`,
///   `_3x3_reduce`→`_3x3`, `_5x5_reduce`→`_5x5`, `_pool` (max 3×3/1 SAME)→`_pool_proj`,
///   concatenated on channels in that order as `inception_Xy_output`.
/// - The feature map is `inception_5b_output` (1024 channels; 28/14/7 at 896/448/224, SPEC §3).
///   The auxiliary `inception_4a_loss`, `inception_4d_loss` (3×3/2 → 512) and `inception_5b_loss`
///   (1×1 → 512) convolutions are in the seed's checkpoints, so weight files must hold them, but
///   nothing on the feature path reads them and they are never run.
///
/// 120 tensors, 11,291,696 values (SPEC §7).
enum GoogLeNet {
    /// One inception module's branch widths (standard BVLC values).
    struct Inception {
        /// "3a" names `inception_3a_*`.
        let name: String
        let conv1x1: Int
        let reduce3x3: Int
        let conv3x3: Int
        let reduce5x5: Int
        let conv5x5: Int
        let poolProjection: Int

        var outputChannels: Int { conv1x1 + conv3x3 + conv5x5 + poolProjection }

        /// Every branch width divided by `divisor` (the thin training-fixture variant).
        func thinned(by divisor: Int) -> Inception {
            Inception(name: name, conv1x1: conv1x1 / divisor, reduce3x3: reduce3x3 / divisor, conv3x3: conv3x3 / divisor,
                      reduce5x5: reduce5x5 / divisor, conv5x5: conv5x5 / divisor, poolProjection: poolProjection / divisor)
        }
    }

    static let inceptions = [
        Inception(name: "3a", conv1x1: 64, reduce3x3: 96, conv3x3: 128, reduce5x5: 16, conv5x5: 32, poolProjection: 32),
        Inception(name: "3b", conv1x1: 128, reduce3x3: 128, conv3x3: 192, reduce5x5: 32, conv5x5: 96, poolProjection: 64),
        Inception(name: "4a", conv1x1: 192, reduce3x3: 96, conv3x3: 208, reduce5x5: 16, conv5x5: 48, poolProjection: 64),
        Inception(name: "4b", conv1x1: 160, reduce3x3: 112, conv3x3: 224, reduce5x5: 24, conv5x5: 64, poolProjection: 64),
        Inception(name: "4c", conv1x1: 128, reduce3x3: 128, conv3x3: 256, reduce5x5: 24, conv5x5: 64, poolProjection: 64),
        Inception(name: "4d", conv1x1: 112, reduce3x3: 144, conv3x3: 288, reduce5x5: 32, conv5x5: 64, poolProjection: 64),
        Inception(name: "4e", conv1x1: 256, reduce3x3: 160, conv3x3: 320, reduce5x5: 32, conv5x5: 128, poolProjection: 128),
        Inception(name: "5a", conv1x1: 256, reduce3x3: 160, conv3x3: 320, reduce5x5: 32, conv5x5: 128, poolProjection: 128),
        Inception(name: "5b", conv1x1: 384, reduce3x3: 192, conv3x3: 384, reduce5x5: 48, conv5x5: 128, poolProjection: 128),
    ]

    /// The 3×3/2 SAME max-pools between stages, keyed by the module they follow.
    static let poolsAfter = ["3b": "pool3_3x3_s2", "4e": "pool4_3x3_s2"]

    /// The seed's LRN hyper-parameters (`lrn(2, 1.99999994948e-05, 0.75)`, bias 1).
    static let lrnDepthRadius = 2
    static let lrnAlpha = Float(2e-5)
    static let lrnBeta: Float = 0.75
    static let lrnBias: Float = 1

    static let network = spec(widthDivisor: 1)

    /// Width of the auxiliary `*_loss` convolutions.
    static let auxiliaryChannels = 512

    /// The network with every convolution's output width divided by `widthDivisor` (same topology
    /// and names): the thin variant trains in the parity fixtures (`Fixtures/train/`).
    static func spec(widthDivisor: Int) -> NetworkSpec {
        precondition(Architecture.googlenet.supportsWidthDivisor(widthDivisor),
                     "width divisor \(widthDivisor) does not divide GoogLeNet's widths")
        return NetworkSpec(layers: layers(widthDivisor: widthDivisor),
                           unusedConvolutions: auxiliaryConvolutions(widthDivisor: widthDivisor))
    }

    private static func layers(widthDivisor d: Int) -> [LayerSpec] {
        func lrn(_ name: String) -> LayerSpec {
            .localResponseNorm(name: name, depthRadius: lrnDepthRadius, bias: lrnBias, alpha: lrnAlpha, beta: lrnBeta)
        }
        var layers: [LayerSpec] = [
            conv("conv1_7x7_s2", kernel: 7, input: 3, output: 64 / d, stride: 2, padding: .explicit(3)),
            .maxPool(name: "pool1_3x3_s2", window: 3, stride: 2, padding: .same),
            lrn("pool1_norm1"),
            conv("conv2_3x3_reduce", kernel: 1, input: 64 / d, output: 64 / d),
            conv("conv2_3x3", kernel: 3, input: 64 / d, output: 192 / d),
            lrn("conv2_norm2"),
            .maxPool(name: "pool2_3x3_s2", window: 3, stride: 2, padding: .same),
        ]
        var channels = 192 / d
        for module in inceptions.map({ $0.thinned(by: d) }) {
            layers.append(inception(module, inputChannels: channels))
            channels = module.outputChannels
            if let pool = poolsAfter[module.name] {
                layers.append(.maxPool(name: pool, window: 3, stride: 2, padding: .same))
            }
        }
        return layers
    }

    /// A biased SAME convolution with ReLU, reported under its own name (as the seed's `conv` op).
    private static func conv(_ name: String, kernel: Int, input: Int, output: Int, stride: Int = 1,
                             padding: Padding = .same, activation: Activation = .relu) -> LayerSpec {
        .convolution(convolution(name, kernel: kernel, input: input, output: output, stride: stride,
                                 padding: padding, activation: activation))
    }

    private static func convolution(_ name: String, kernel: Int, input: Int, output: Int, stride: Int = 1,
                                    padding: Padding = .same, activation: Activation = .relu) -> ConvolutionSpec {
        ConvolutionSpec(name: name, kernelSize: kernel, inputChannels: input, outputChannels: output, stride: stride,
                        padding: padding, biased: true, batchNorm: nil, activation: activation, tap: name)
    }

    private static func inception(_ module: Inception, inputChannels: Int) -> LayerSpec {
        let prefix = "inception_\(module.name)"
        return .concatenation(name: "\(prefix)_output", branches: [
            [conv("\(prefix)_1x1", kernel: 1, input: inputChannels, output: module.conv1x1)],
            [conv("\(prefix)_3x3_reduce", kernel: 1, input: inputChannels, output: module.reduce3x3),
             conv("\(prefix)_3x3", kernel: 3, input: module.reduce3x3, output: module.conv3x3)],
            [conv("\(prefix)_5x5_reduce", kernel: 1, input: inputChannels, output: module.reduce5x5),
             conv("\(prefix)_5x5", kernel: 5, input: module.reduce5x5, output: module.conv5x5)],
            [.maxPool(name: "\(prefix)_pool", window: 3, stride: 1, padding: .same),
             conv("\(prefix)_pool_proj", kernel: 1, input: inputChannels, output: module.poolProjection)],
        ])
    }

    /// The seed's auxiliary-loss convolutions (biased, no ReLU), declared for the weight table only.
    /// The training code runs them as side branches (`TrainingStages`): `4a_loss`/`4d_loss` read
    /// `inception_4a_output`/`inception_4d_output` (through a dropout that is a no-op in the seed's
    /// graph), `5b_loss` reads `inception_5b_output`.
    static func auxiliaryConvolutions(widthDivisor d: Int) -> [ConvolutionSpec] {
        func channels(_ module: String) -> Int { inceptions.first { $0.name == module }!.thinned(by: d).outputChannels }
        let output = auxiliaryChannels / d
        return [
            convolution("inception_4a_loss", kernel: 3, input: channels("4a"), output: output, stride: 2, activation: .none),
            convolution("inception_4d_loss", kernel: 3, input: channels("4d"), output: output, stride: 2, activation: .none),
            convolution("inception_5b_loss", kernel: 1, input: channels("5b"), output: output, activation: .none),
        ]
    }
}

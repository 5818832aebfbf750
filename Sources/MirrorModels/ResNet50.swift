import MirrorCore

/// ResNet-50 exactly as the seed builds it (`cnn_wrapper/resnet.py`, class `ResNet50`, hlzz/mirror):
/// He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, in its Caffe v1 variant
/// (the released Caffe model the seed's weights came from), with `fcn=True` (no `fc1000`).
///
/// - `conv1`: 7×7/2, **biased**, after `tf.pad` of 3 on each side and VALID (not SAME, SPEC §2)
///   → `bn_conv1` + ReLU → `pool1` max 3×3/2 SAME.
/// - Bottleneck blocks `res{2a–c, 3a–d, 4a–f, 5a–c}`: `branch2a` 1×1 → `branch2b` 3×3 SAME →
///   `branch2c` 1×1 (4·C), each bias-free and followed by BN (γ, β); ReLU after 2a and 2b.
///   Block `a` of every stage projects the shortcut with `branch1` 1×1 (4·C) + BN. **Stride 2 sits
///   on the 1×1 `branch2a` and `branch1`** of res3a/4a/5a (Caffe style), so those 1×1/2 SAME convs
///   sample `x[0::2]`. Output `relu(shortcut + branch2c)`.
/// - `pool5`: average 7×7/1 VALID (a plain mean of 49 cells): 22/8/1 at 896/448/224 (SPEC §3).
///
/// BN ε is the file's (`bn_epsilon`; the seed's TF 1.x effectively uses 1.001e-5, SPEC quirk 4).
/// 266 tensors, 23,561,216 values (SPEC §7).
enum ResNet50 {
    /// One stage of bottleneck blocks: `res\(index)a`, `res\(index)b`, …
    struct Stage {
        let index: Int
        let blocks: Int
        /// Bottleneck width C; the stage outputs `expansion·C` channels.
        let width: Int
        /// Stride of block `a` (on its `branch2a` and `branch1`).
        let stride: Int
    }

    static let stages = [
        Stage(index: 2, blocks: 3, width: 64, stride: 1),
        Stage(index: 3, blocks: 4, width: 128, stride: 2),
        Stage(index: 4, blocks: 6, width: 256, stride: 2),
        Stage(index: 5, blocks: 3, width: 512, stride: 2),
    ]
    static let expansion = 4
    static let stemChannels = 64

    static let network = spec(widthDivisor: 1)

    /// The network with every channel width divided by `widthDivisor` (same topology and names): the
    /// thin variants train in the parity fixtures (`Fixtures/train/`), where full width would make
    /// every gradient file hundreds of megabytes.
    static func spec(widthDivisor: Int) -> NetworkSpec {
        precondition(Architecture.resnet50.supportsWidthDivisor(widthDivisor),
                     "width divisor \(widthDivisor) does not divide ResNet-50's widths")
        return NetworkSpec(layers: layers(widthDivisor: widthDivisor))
    }

    private static func layers(widthDivisor: Int) -> [LayerSpec] {
        let stemChannels = Self.stemChannels / widthDivisor
        var layers: [LayerSpec] = [
            .convolution(ConvolutionSpec(name: "conv1", kernelSize: 7, inputChannels: 3, outputChannels: stemChannels,
                                         stride: 2, padding: .explicit(3), biased: true, batchNorm: "bn_conv1",
                                         activation: .relu, tap: "bn_conv1")),
            .maxPool(name: "pool1", window: 3, stride: 2, padding: .same),
        ]
        var channels = stemChannels
        for stage in stages {
            for index in 0..<stage.blocks {
                let block = "\(stage.index)\(blockLetter(index))"
                let width = stage.width / widthDivisor
                layers.append(.block(bottleneck(block, inputChannels: channels, width: width,
                                                stride: index == 0 ? stage.stride : 1, projects: index == 0)))
                channels = expansion * width
            }
        }
        layers.append(.averagePool(name: "pool5", window: 7, stride: 1, padding: .valid))
        return layers
    }

    /// `a`, `b`, `c`, … as in `res4f`.
    private static func blockLetter(_ index: Int) -> Character {
        Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index)))
    }

    /// Block `res\(block)` (e.g. "3a"): its convs `res3a_branch2a`… with BNs `bn3a_branch2a`….
    private static func bottleneck(_ block: String, inputChannels: Int, width: Int, stride: Int,
                                   projects: Bool) -> BlockSpec {
        func branch(_ branch: String, kernel: Int, input: Int, output: Int, stride: Int = 1,
                    activation: Activation) -> LayerSpec {
            .convolution(ConvolutionSpec(name: "res\(block)_branch\(branch)", kernelSize: kernel,
                                         inputChannels: input, outputChannels: output, stride: stride,
                                         padding: .same, biased: false, batchNorm: "bn\(block)_branch\(branch)",
                                         activation: activation, tap: "bn\(block)_branch\(branch)"))
        }
        let output = expansion * width
        let body = [
            branch("2a", kernel: 1, input: inputChannels, output: width, stride: stride, activation: .relu),
            branch("2b", kernel: 3, input: width, output: width, activation: .relu),
            branch("2c", kernel: 1, input: width, output: output, activation: .none),
        ]
        let shortcut: Shortcut = projects
            ? .projection([branch("1", kernel: 1, input: inputChannels, output: output, stride: stride, activation: .none)])
            : .identity
        return BlockSpec(name: "res\(block)_relu", sumTap: "res\(block)", body: body, shortcut: shortcut,
                         activation: .relu)
    }
}

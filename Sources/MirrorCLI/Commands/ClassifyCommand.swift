import Engines
import MirrorCore
import MirrorImageIO
import MirrorModels

/// `mirror classify`: ImageNet top-k of EfficientNet-Lite0 for a few photos — the end-to-end check
/// that weights, their layout and the input normalisation are right together (a wrong transpose or
/// normalisation gives nonsense classes, not a small error).
enum ClassifyCommand {
    static let command = Command(
        name: "classify",
        summary: "Print the ImageNet top-k classes of images (EfficientNet-Lite0; a check of model and preprocessing).",
        synopsis: "IMAGE... [options]",
        discussion: """
        Decodes each image, applies the seed's resize and centre crop at --img-size, the model's normalisation, \
        the network and its classifier, and prints 'rank class-index logit'. Class 285 is 'Egyptian cat', \
        281 'tabby cat', 335 'fox squirrel' (ImageNet-1k indices).
        """,
        options: [
            .value("top", "K", help: "Classes printed per image.", default: "5"),
            .value("img-size", "S", help: "Crop size.", default: "224"),
        ] + SharedOptions.model + SharedOptions.compute,
        run: { args, console in
            guard !args.positionals.isEmpty else { throw UsageError("give at least one image", command: args.command) }
            let top = try args.int("top", in: 1...1000)!
            let size = try args.int("img-size", in: 32...4096)!
            let selection = try ModelSelection.resolve(args)
            let network = try FeatureNetwork(selection.architecture, weights: selection.archive)
            guard network.canClassify else {
                throw UsageError("\(selection.architecture.rawValue) has no classifier; classify needs efficientnet-lite0",
                                 command: args.command)
            }
            let backend = makeBackend(kind: BackendKind(rawValue: try args.choice("backend")!)!, threads: try SharedOptions.threads(args))
            var failed = false
            for path in args.positionals {
                do {
                    var input = SeedPreprocessing.centerCrop(try ImageDecoder.decode(path: path), imageSize: size)
                    SeedPreprocessing.normalize(&input, network.normalization)
                    let logits = network.classify(input.reshaped([1] + input.shape), backend: backend).data
                    let ranked = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
                    console.out(path + ":")
                    for (rank, index) in ranked.prefix(top).enumerated() {
                        console.out("  \(rank + 1)  \(index)  \(logits[index])")
                    }
                } catch {
                    console.error(String(describing: error))
                    failed = true
                }
            }
            return failed ? 1 : 0
        })
}

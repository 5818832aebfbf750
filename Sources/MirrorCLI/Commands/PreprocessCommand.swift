import MirrorCore
import MirrorImageIO

/// `mirror preprocess`: one image → the network input tensor the seed would feed (SPEC §1), as a
/// float32 HWC `.npy`. For checking the pipeline against another implementation.
enum PreprocessCommand {
    static let normalizations: [String: InputNormalization?] = [
        "seed": .seed, "efficientnet-lite": .efficientNetLite, "none": nil,
    ]

    static let command = Command(
        name: "preprocess",
        summary: "Decode one image and write the network input tensor ([S,S,3] float32 .npy).",
        synopsis: "IMAGE --out FILE.npy [options]",
        discussion: """
        Decodes (JPEG IFAST DCT by default, as TF1's decode_jpeg), scales the short side to --img-size with \
        the seed's float32 ceil, resizes with TF1's legacy bilinear, centre-crops, and normalises. \
        --scale 2 or 4 writes the seed's multi-scale decimation of that tensor.
        """,
        options: [
            .value("out", "FILE.npy", help: "Output file (written atomically)."),
            .value("img-size", "S", help: "Short side after scaling; the crop is S×S.", default: "896"),
            .value("normalization", "NAME", help: "seed: x − [124,117,104]; efficientnet-lite: (x − 127)/128; "
                   + "none: raw 0–255 values.", default: "seed", allowed: ["seed", "efficientnet-lite", "none"]),
            .value("dct", "METHOD", help: "JPEG inverse DCT: fast (libjpeg IFAST, TF1's default) or accurate (ISLOW, as PIL).",
                   default: "fast", allowed: SharedOptions.dctNames),
            .value("scale", "F", help: "Decimation factor of the multi-scale pyramid (1, 2 or 4).", default: "1",
                   allowed: ["1", "2", "4"]),
        ],
        run: { args, console in
            try args.checkPositionals(1...1, describing: "the image to preprocess")
            let out = try args.required("out")
            let size = try args.int("img-size", in: 8...8192)!
            let normalization = normalizations[try args.choice("normalization")!]!
            let dct = DCTMethod(rawValue: try args.choice("dct")!)!
            let factor = Int(try args.choice("scale")!)!
            guard size % factor == 0 else {
                throw UsageError.invalidValue("scale", "\(factor)", command: args.command,
                                              reason: "must divide --img-size \(size)")
            }
            let image = try ImageDecoder.decode(path: args.positionals[0], dct: dct)
            var tensor = SeedPreprocessing.centerCrop(image, imageSize: size)
            if let normalization { SeedPreprocessing.normalize(&tensor, normalization) }
            if factor > 1 { tensor = SeedPreprocessing.decimate(tensor, factor: factor) }
            try NpyFile.write(NpyArray(tensor: tensor), to: out)
            console.err("\(args.positionals[0]): \(image.width)×\(image.height) → \(tensor.shape) written to \(out)")
            return 0
        })
}

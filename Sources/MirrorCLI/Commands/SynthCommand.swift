import Foundation
import MirrorSynth

/// `mirror synth`: training data from any folder of photos. The command only parses and reports;
/// views, rendering, overlaps and files are `MirrorSynth.SynthDataset`.
enum SynthCommand {
    static let command = Command(
        name: "synth",
        summary: "Make GL3D-like training data (homography views with ground-truth overlap) from photos.",
        synopsis: "PHOTOS --out DIR [--views N] [--size S] [--seed K] [options]",
        discussion: """
        Each photo (JPEG/PNG directly in PHOTOS, sorted bytewise by name) is seen by N virtual cameras: \
        a zoom, an in-plane rotation and a perspective tilt of the photo plane (homography H, photo → \
        view), rendered at S×S with 2× supersampling, photometric jitter and a JPEG quality of 60–95. \
        The overlap of two views of the same photo is the smaller of the two directions' fractions of a \
        grid of view pixels (every --overlap-stride pixels) that land in the other view; every pair is \
        listed, zero overlaps too (hard negatives). Output in DIR: images/<stem>_vKK.jpg, images.txt, \
        pairs.tsv, gl3d_gt_pairs (overlap ≥ 0.5), homographies.npy, meta.json — train with \
        'mirror train --pairs DIR/pairs.tsv --image-list DIR/images.txt', evaluate with \
        'mirror eval gl3d --dataset-root DIR'. The bytes depend only on the photos, their names and the \
        settings (not on --threads). A photo that cannot be used is skipped, reported and listed in \
        DIR/failed.txt (exit status 1). Formats: Docs/FORMATS.md ("Synthetic views").
        """,
        options: [
            .value("out", "DIR", help: "Output folder; must be empty or new unless --force."),
            .value("views", "N", help: "Views per photo (2–100).", default: "8"),
            .value("size", "S", help: "Side of the square views in pixels (16–4096).", default: "224"),
            .value("seed", "K", help: "Seed of every random draw.", default: "1"),
            .value("overlap-stride", "s", help: "Step of the overlap grid in view pixels (1: every pixel).", default: "4"),
            .flag("force", help: "Write into a non-empty --out: replace the files an earlier 'mirror synth' wrote there "
                  + "(index files and images/*_vNN.jpg), leave everything else alone."),
            .value("threads", "N", help: "Photos made in parallel.", default: "all cores"),
            SharedOptions.quiet,
        ],
        run: { args, console in try SynthRunner.run(args, console: console) })
}

enum SynthRunner {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        try args.checkPositionals(1...1, describing: "the folder of photos")
        let photos = args.positionals[0]
        let out = try args.required("out")
        let size = try args.int("size", in: 16...4096)!
        let settings = SynthSettings(views: try args.int("views", in: 2...100)!, size: size,
                                     seed: UInt64(try args.int("seed", in: 0...Int.max)!),
                                     overlapStride: try args.int("overlap-stride", in: 1...size)!)
        let threads = try SharedOptions.threads(args) ?? ProcessInfo.processInfo.activeProcessorCount
        let quiet = args.flag("quiet")

        let progress = quiet ? nil : ProgressReporter(console: console, label: "mirror synth", unit: "photo")
        let summary = try SynthDataset.make(
            photos: photos, out: out, settings: settings, threads: threads, force: args.flag("force"),
            version: MirrorCommandLine.version,
            onStart: { total in progress?.start(total: total, alreadyDone: 0) },
            onPhoto: { _, _ in progress?.advance() },
            onFailure: { failure in
                let text = "mirror: warning: skipped \(failure.path): \(failure.reason)"
                if let progress { progress.note(text) } else { console.err(text) }
            })
        progress?.finish()
        if !quiet {
            console.err("mirror synth: \(summary.photos) photos → \(summary.images) views, \(summary.pairs) pairs "
                        + "(\(summary.positivePairs) with overlap ≥ 0.5, \(summary.zeroPairs) with 0) in \(out)")
        }
        if !summary.failures.isEmpty {
            console.error("\(summary.failures.count) photo(s) skipped, listed in \(out)/failed.txt")
            return 1
        }
        return 0
    }
}

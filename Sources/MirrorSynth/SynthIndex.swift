import Foundation
import MirrorCore

/// The index files of a synthetic set, built from the photos' views once they are all made.
///
/// Image indices are positions in the bytewise-sorted list of view paths, so `images.txt` is in
/// the order `mirror eval gl3d --dataset-root` lists the images (for ordinary names this is photo
/// by photo, view by view, as the NumPy generator numbers them).
struct SynthIndex {
    /// A pair of views of the same photo, `i < j`, with overlap · |G|.
    struct Pair {
        var i: Int
        var j: Int
        var count: Int
    }

    let photos: [PhotoViews]
    let photoPaths: [String]
    let settings: SynthSettings
    let grid: ViewOverlap
    /// Image index → path relative to the output folder.
    let viewPaths: [String]
    /// Image index → (photo position in `photos`, view).
    let owners: [(photo: Int, view: Int)]
    /// Same-photo pairs, by photo then (i, j).
    let pairs: [Pair]

    init(photos: [PhotoViews], photoPaths: [String], settings: SynthSettings) {
        self.photos = photos
        self.photoPaths = photoPaths
        self.settings = settings
        grid = ViewOverlap(size: settings.size, stride: settings.overlapStride)
        var entries: [(path: String, photo: Int, view: Int)] = []
        for (p, photo) in photos.enumerated() {
            for view in photo.views.indices {
                entries.append((PhotoFolder.viewPath(photo: photo.name, view: view), p, view))
            }
        }
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        viewPaths = entries.map(\.path)
        owners = entries.map { ($0.photo, $0.view) }
        var index: [String: Int] = [:]
        for (i, path) in viewPaths.enumerated() { index[path] = i }
        var pairs: [Pair] = []
        for photo in photos {
            let ids = photo.views.indices.map { index[PhotoFolder.viewPath(photo: photo.name, view: $0)]! }
            var own: [Pair] = []
            for a in ids.indices {
                for b in (a + 1)..<ids.count {
                    own.append(Pair(i: min(ids[a], ids[b]), j: max(ids[a], ids[b]), count: photo.overlapCounts[a][b]))
                }
            }
            pairs += own.sorted { ($0.i, $0.j) < ($1.i, $1.j) }
        }
        self.pairs = pairs
    }

    /// Writes the index files into `out`, `meta.json` last; removes a stale `failed.txt` when none failed.
    func write(to out: String, failures: [SynthMeta.Failure], photosArgument: String, version: String) throws {
        try AtomicFile.write(Array(viewPaths.map { $0 + "\n" }.joined().utf8), to: out + "/images.txt")
        try AtomicFile.write(Array(pairsText().utf8), to: out + "/pairs.tsv")
        try AtomicFile.write(Array(groundTruthText().utf8), to: out + "/gl3d_gt_pairs")
        try NpyFile.write(NpyArray(doubles: owners.flatMap { photos[$0.photo].views[$0.view].homography.m },
                                   shape: [viewPaths.count, 3, 3]), to: out + "/homographies.npy")
        if failures.isEmpty {
            unlink(out + "/failed.txt")
        } else {
            try AtomicFile.write(Array(failures.map { "\($0.path)\t\($0.reason)\n" }.joined().utf8), to: out + "/failed.txt")
        }
        try AtomicFile.write(try meta(failures: failures, photosArgument: photosArgument, version: version).encoded(),
                             to: out + "/meta.json")
    }

    /// `# i<TAB>j<TAB>overlap`, then `i<TAB>j<TAB>overlap` with 6 decimals (C's `%.6f`, as Python's).
    func pairsText() -> String {
        "# i\tj\toverlap\n" + pairs.map { "\($0.i)\t\($0.j)\t" + String(format: "%.6f", grid.overlap(count: $0.count)) + "\n" }
            .joined()
    }

    /// `i j` for every ordered pair with overlap ≥ 0.5 (of the exact count/|G|, not the rounded text),
    /// both directions, sorted by (i, j).
    func groundTruthText() -> String {
        var lines: [(Int, Int)] = []
        for pair in pairs where grid.overlap(count: pair.count) >= ViewDistribution.groundTruthOverlap {
            lines += [(pair.i, pair.j), (pair.j, pair.i)]
        }
        return lines.sorted { $0 < $1 }.map { "\($0.0) \($0.1)\n" }.joined()
    }

    func meta(failures: [SynthMeta.Failure], photosArgument: String, version: String) -> SynthMeta {
        let s = settings
        return SynthMeta(
            generator: "mirror synth",
            command: "mirror synth \(photosArgument) --seed \(s.seed) --views \(s.views) --size \(s.size) "
                + "--overlap-stride \(s.overlapStride)",
            versions: ["mirror": version], seed: s.seed, viewsPerPhoto: s.views, size: s.size,
            overlap: SynthMeta.Overlap(stride: s.overlapStride, gridFirstPixel: s.overlapStride / 2, pixelCentreOffset: 0.5,
                                       gtThreshold: ViewDistribution.groundTruthOverlap,
                                       definition: SynthMeta.overlapDefinition),
            sampling: .current,
            photos: photos.indices.map {
                SynthMeta.Photo(name: photos[$0].name, path: photoPaths[$0], width: photos[$0].width,
                                height: photos[$0].height, sha256: photos[$0].sha256)
            },
            images: owners.enumerated().map { index, owner in
                let view = photos[owner.photo].views[owner.view]
                return SynthMeta.Image(index: index, path: viewPaths[index], photo: owner.photo, view: owner.view,
                                       params: view.parameters, jitter: view.jitter, jpegQuality: view.jpegQuality)
            },
            failed: failures.isEmpty ? nil : failures)
    }
}

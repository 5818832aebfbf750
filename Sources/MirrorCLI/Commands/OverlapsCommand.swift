import Foundation
import MirrorCOLMAP

/// `mirror overlaps`: a COLMAP sparse model → the overlap of every co-visible image pair, in the
/// plain pairs format `mirror train --pairs` reads (measure: `CovisibilityOverlap`).
enum OverlapsCommand {
    static let command = Command(
        name: "overlaps",
        summary: "Overlap of every image pair of a COLMAP model that shares 3-D points (training data for mirror train).",
        synopsis: "--colmap-model DIR --out DIR [options]",
        discussion: """
        Reads a COLMAP sparse model (binary or text; COLMAP 3.12+ rigs/frames files are not needed) and, for \
        every pair of registered images that observe a common 3-D point, writes the number of shared points and \
        an overlap in [0, 1]: on a G×G grid of each image, the fraction of the cells holding any observed point \
        that hold a point the other image also observes; the smaller of the two directions (GL3D's convention). \
        Writes OUT/images.txt and OUT/pairs.tsv (i, j, overlap, shared_points). Train on them with \
        mirror train --pairs OUT/pairs.tsv --image-list OUT/images.txt.
        """,
        options: [
            .value("colmap-model", "DIR", help: "The sparse model folder (cameras, images, points3D as .bin or .txt; e.g. sparse/0)."),
            .value("out", "DIR", help: "Output folder (created if missing)."),
            .value("image-root", "DIR", help: "The images folder COLMAP ran on: images.txt then lists absolute paths, "
                   + "and missing files are reported."),
            .value("grid", "G", help: "Cells per image side of the overlap grid.", default: "16"),
            .flag("force", help: "Replace an existing images.txt / pairs.tsv in --out."),
        ],
        run: { args, console in
            try args.checkPositionals(0...0, describing: "nothing")
            let modelDirectory = try args.required("colmap-model"), out = try args.required("out")
            let grid = try args.int("grid", in: 1...256)!
            let imageRoot = args.string("image-root")
            if let imageRoot {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: imageRoot, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw UsageError.invalidValue("image-root", imageRoot, command: args.command, reason: "not a folder")
                }
            }
            let outputs = [OverlapsExport.imageListName, OverlapsExport.pairsName].map { (out as NSString).appendingPathComponent($0) }
            if !args.flag("force"), let existing = outputs.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                throw UsageError.invalidValue("out", out, command: args.command, reason: "\(existing) exists (pass --force to replace it)")
            }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw UsageError.invalidValue("out", out, command: args.command, reason: "cannot create the folder: \(error.localizedDescription)")
            }
            let model = try COLMAPModel.read(directory: modelDirectory)
            let observations = model.images.reduce(0) { $0 + $1.keypoints.lazy.filter(\.observesPoint).count }
            console.err("\(modelDirectory): \(model.format == .binary ? "binary" : "text") model, \(model.cameras.count) cameras, "
                        + "\(model.images.count) images, \(model.points.count) 3-D points, \(observations) observations")
            let summary = try OverlapsExport.write(model, modelDirectory: modelDirectory, to: out, imageRoot: imageRoot, grid: grid)
            if summary.missingImageCount > 0 {
                console.warning("\(summary.missingImageCount) of \(summary.images) images are not under \(imageRoot!) "
                                + "(training skips them), e.g. \(summary.missingImages.joined(separator: ", "))")
            }
            console.err("wrote \(outputs[0]) (\(summary.images) images) and \(outputs[1]) (\(summary.pairs) pairs, "
                        + "\(summary.positivePairs) with overlap ≥ 0.5; \(summary.isolatedImages) images share no point with another)")
            return 0
        })
}

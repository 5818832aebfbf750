import Foundation
import MirrorCore
import MirrorSynth
import TestSupport

/// One folder of `Fixtures/train/synthetic/` (written by `Fixtures/scripts/make_homography_set.py`,
/// NumPy): its homographies, `meta.json` and the overlap of every listed pair.
struct SyntheticFixture {
    let folder: URL
    let homographies: [Homography]
    let meta: SynthMeta
    /// (i, j, overlap text) from `pairs.tsv`, in file order.
    let pairs: [(i: Int, j: Int, overlap: String)]

    init(_ name: String) throws {
        folder = TestPaths.fixtures.appendingPathComponent("train/synthetic/\(name)")
        let array = try NpyFile.read(folder.appendingPathComponent("homographies.npy").path)
        precondition(array.dtype == .float64 && array.shape.count == 3 && array.shape.dropFirst() == [3, 3])
        let values = array.doubles()
        homographies = (0..<array.shape[0]).map { Homography(Array(values[9 * $0..<9 * $0 + 9])) }
        meta = try SynthMeta.decode(try AtomicFile.read(folder.appendingPathComponent("meta.json").path))
        let text = try String(contentsOf: folder.appendingPathComponent("pairs.tsv"), encoding: .utf8)
        pairs = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let columns = line.split(separator: "\t")
            return (Int(columns[0])!, Int(columns[1])!, String(columns[2]))
        }
    }

    /// The image indices of each photo, in `meta.json` photo order.
    var imagesByPhoto: [[Int]] {
        var groups = [[Int]](repeating: [], count: meta.photos.count)
        for image in meta.images { groups[image.photo].append(image.index) }
        return groups
    }
}

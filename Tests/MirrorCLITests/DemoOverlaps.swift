import Foundation
import MirrorCore

/// The bundled demo's ground truth (`Fixtures/demo/ground_truth_pairs.txt`: name, name, overlap)
/// as an overlaps folder (`images.txt` + `pairs.tsv`), for tests of commands that read one.
enum DemoOverlaps {
    /// Writes `folder/images.txt` (the demo's JPEG names, sorted) and `folder/pairs.tsv`.
    static func write(demo: URL, to folder: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: demo.path).filter { $0.hasSuffix(".jpg") }.sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let rows = try truth(demo).map { "\(index[$0.first]!)\t\(index[$0.second]!)\t\($0.overlap)\n" }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Array(names.map { $0 + "\n" }.joined().utf8), to: folder + "/images.txt")
        try AtomicFile.write(Array(("# i\tj\toverlap\n" + rows.joined()).utf8), to: folder + "/pairs.tsv")
    }

    /// The ground-truth pairs; pairs not listed do not overlap.
    static func truth(_ demo: URL) throws -> [(first: String, second: String, overlap: Double)] {
        try String(contentsOf: demo.appendingPathComponent("ground_truth_pairs.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                let f = line.split(separator: " ")
                return (String(f[0]), String(f[1]), Double(f[2])!)
            }
    }
}

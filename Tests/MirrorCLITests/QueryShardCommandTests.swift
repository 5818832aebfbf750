import Foundation
import MirrorCore
import MirrorRetrieval
import TestSupport
import XCTest

/// `mirror query --shard K/N` + `mirror merge`: for N = 1, 3 and 7 the joined `match_pairs` and
/// pair lists are the unsharded run's bytes (exhaustive, with query expansion, two-stage, and a
/// query list); a missing, repeated, foreign or corrupted part is a clear error.
final class QueryShardCommandTests: XCTestCase {
    var directory: URL!
    var index: String!
    override func setUpWithError() throws {
        directory = try TestPaths.makeTemporaryDirectory()
        // 200 planted images × 35 regions: 7 exhaustive query blocks of 29 images at the default budget.
        let planted = PlantedFeatures(images: 200, regions: 35, dims: 64)
        let built = RetrievalIndex(entries: (0..<200).map { "features/view\($0).npy" }, regions: 35, inputDims: 64,
                                   aggregation: .regional, normalizesInput: true, pca: nil,
                                   vectors: planted.generate(half: false))
        index = directory.appendingPathComponent("db.index").path
        try built.write(to: index)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func mirror(_ arguments: [String]) throws -> ProcessResult {
        let result = try ProcessRunner.mirror(arguments + ["--quiet"])
        XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        return result
    }

    /// Runs `settings` unsharded and in `shards` parts; the outputs must be the same bytes.
    /// `pairOptions` (calibration, selection) go to the unsharded query's `--pairs-out` and to merge.
    private func assertShardsJoinToTheWholeRun(_ settings: [String], label: String, pairs: Bool = true,
                                               pairOptions: [String] = []) throws {
        let whole = ["query", "--index", index!] + settings
        _ = try mirror(whole + ["--out-dir", path("\(label)-whole")]
                       + (pairs ? ["--pairs-out", path("\(label)-whole.txt")] + pairOptions : []))
        let expected = try AtomicFile.read(path("\(label)-whole/match_pairs"))
        for shards in [1, 3, 7] {
            let folder = path("\(label)-\(shards)")
            for shard in 1...shards { _ = try mirror(whole + ["--out-dir", folder, "--shard", "\(shard)/\(shards)"]) }
            let parts = (1...shards).reversed().map { "\(folder)/match_pairs.part-\($0)-of-\(shards)" }
            // The pair list format is merge's to choose, as query's without shards.
            let format = settings.firstIndex(of: "--format").map { Array(settings[$0...($0 + 1)]) } ?? []
            _ = try mirror(["merge"] + parts + (pairs ? ["--pairs-out", "\(folder).txt", "--index", index!] + format + pairOptions : []))
            XCTAssertTrue(try AtomicFile.read("\(folder)/match_pairs") == expected, "\(label): match_pairs of \(shards) shards")
            if pairs {
                XCTAssertTrue(try AtomicFile.read("\(folder).txt") == AtomicFile.read(path("\(label)-whole.txt")),
                              "\(label): pair list of \(shards) shards")
            }
        }
    }

    func testShardsJoinToTheUnshardedBytes() throws {
        try assertShardsJoinToTheWholeRun(["--top", "10", "--shortlist", "0"], label: "exhaustive")
        try assertShardsJoinToTheWholeRun(["--top", "10", "--shortlist", "0", "--format", "tsv"], label: "tsv")
        try assertShardsJoinToTheWholeRun(["--top", "8", "--shortlist", "0", "--qe", "2", "--et", "1"], label: "qe")
        try assertShardsJoinToTheWholeRun(["--top", "10", "--shortlist", "20", "--format", "hloc"], label: "two-stage")
        // Calibration and graph-aware selection: merge applies them as the unsharded query does.
        let calibration = path("calibration.json")
        try AtomicFile.write(Array("""
            {"method": "logistic", "min_overlap": 0.5, "slope": 12, "intercept": -6,
             "source": {"net": "n", "content_sha256": "s", "img_size": 1, "rmac_step": [1], "pca_dims": 0}}
            """.utf8), to: calibration)
        try assertShardsJoinToTheWholeRun(["--top", "10", "--shortlist", "0", "--format", "tsv"], label: "selection",
                                          pairOptions: ["--calibration", calibration, "--min-prob", "0.4", "--mutual",
                                                        "--min-degree", "2", "--connect", "--max-pairs", "500"])
        let features = directory.appendingPathComponent("features")
        try FileManager.default.createDirectory(at: features, withIntermediateDirectories: true)
        // A query list: the first 70 images' regions as .npy features ([D, R], no PCA in this index).
        let vectors = try RetrievalIndex.read(from: index).vectors.float32Values()
        var entries: [String] = []
        for image in 0..<70 {
            var transposed = [Float](repeating: 0, count: 35 * 64)
            for r in 0..<35 { for d in 0..<64 { transposed[d * 35 + r] = vectors[(image * 35 + r) * 64 + d] } }
            let file = features.appendingPathComponent("q\(image).npy").path
            try NpyFile.write(NpyArray(floats: transposed, shape: [64, 35]), to: file)
            entries.append(file)
        }
        try AtomicFile.write(Array(entries.map { $0 + "\n" }.joined().utf8), to: path("queries.txt"))
        try assertShardsJoinToTheWholeRun(["--top", "10", "--shortlist", "0", "--query-list", path("queries.txt")],
                                          label: "query-list", pairs: false)
    }

    func testBadPartsAreClearErrors() throws {
        let run = ["query", "--index", index!, "--top", "5", "--shortlist", "0", "--out-dir", path("parts")]
        for shard in 1...3 { _ = try mirror(run + ["--shard", "\(shard)/3"]) }
        let part = { (k: Int) in self.path("parts/match_pairs.part-\(k)-of-3") }
        func merge(_ parts: [String], _ extra: [String] = []) throws -> ProcessResult {
            try ProcessRunner.mirror(["merge"] + parts + ["--out-dir", path("merged")] + extra)
        }
        let missing = try merge([part(1), part(3)])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("missing shard 2 of 3"), missing.stderr)
        let twice = try merge([part(1), part(2), part(2), part(3)])
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.contains("shard 2 is given twice"), twice.stderr)

        _ = try mirror(run.dropLast() + [path("other"), "--shard", "2/3", "--top", "6"])
        let foreign = try merge([part(1), path("other/match_pairs.part-2-of-3"), part(3)])
        XCTAssertEqual(foreign.status, 1)
        XCTAssertTrue(foreign.stderr.contains("is from another run") && foreign.stderr.contains("top 6"), foreign.stderr)

        var bytes = try AtomicFile.read(part(2))
        bytes[bytes.count / 2] ^= 1
        try AtomicFile.write(bytes, to: path("damaged"))
        let damaged = try merge([part(1), path("damaged"), part(3)])
        XCTAssertEqual(damaged.status, 1)
        XCTAssertTrue(damaged.stderr.contains("\(path("damaged")): corrupted query part"), damaged.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("merged/match_pairs")), "no output from bad parts")

        let parts = [part(1), part(2), part(3)]
        let selectionAlone = try merge(parts, ["--mutual"])
        XCTAssertEqual(selectionAlone.status, 2)
        XCTAssertTrue(selectionAlone.stderr.contains("--mutual applies to --pairs-out"), selectionAlone.stderr)
        try AtomicFile.write(Array("""
            {"method": "logistic", "min_overlap": 0.5, "slope": 12, "intercept": -6,
             "source": {"net": "n", "content_sha256": "s", "img_size": 1, "rmac_step": [1], "pca_dims": 32}}
            """.utf8), to: path("pca32.json"))
        let names = try merge(parts, ["--pairs-out", path("p.txt"), "--image-list", path("x.txt"), "--calibration", path("pca32.json")])
        XCTAssertEqual(names.status, 2)
        XCTAssertTrue(names.stderr.contains("--calibration needs --index"), names.stderr)
        let otherPCA = try merge(parts, ["--pairs-out", path("p.txt"), "--index", index!, "--calibration", path("pca32.json")])
        XCTAssertEqual(otherPCA.status, 1)
        XCTAssertTrue(otherPCA.stderr.contains(path("pca32.json")) && otherPCA.stderr.contains("pca"), otherPCA.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.txt")))

        let noIndex = try ProcessRunner.mirror(["query", "--feature-list", path("x.txt"), "--out-dir", path("y"), "--shard", "1/2"])
        XCTAssertEqual(noIndex.status, 2)
        XCTAssertTrue(noIndex.stderr.contains("--shard needs an index"), noIndex.stderr)
        let badShard = try ProcessRunner.mirror(run + ["--shard", "4/3"])
        XCTAssertEqual(badShard.status, 2)
        XCTAssertTrue(badShard.stderr.contains("1 ≤ K ≤ N"), badShard.stderr)
    }
}

import Foundation
import MirrorCore
import MirrorImageIO
import TestSupport
import XCTest

/// `mirror eval BENCHMARK --dataset-root DIR` end to end on tiny synthetic datasets laid out like
/// the real ones: three scenes × four views of `Fixtures/demo` (views of one scene are good/ok,
/// the others are not), synthetic EfficientNet-Lite0 weights (so no `make setup` is needed) and
/// small image sizes. The numbers are only checked for sanity — synthetic weights rank poorly —
/// plus exact agreement with metric mode on the files the recipe leaves behind.
final class EvalRecipeTests: XCTestCase {
    var directory: URL!
    override func setUpWithError() throws { directory = try TestPaths.makeTemporaryDirectory("eval-recipe") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    static let scenes = ["astronaut", "chelsea", "coffee"]
    private var weights: String { ExtractCommandTests.weights }
    private let small = ["--img-size", "64", "--single-scale"]

    private func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    private func write(_ relative: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path(relative) as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path(relative), atomically: true, encoding: .utf8)
    }

    /// Copies the demo views of `scenes` (views 0–3) into `folder`, named by `name(scene, view)`.
    private func copyViews(to folder: String, name: (String, Int) -> String) throws {
        try FileManager.default.createDirectory(atPath: path(folder), withIntermediateDirectories: true)
        for scene in Self.scenes {
            for view in 0..<4 {
                try FileManager.default.copyItem(atPath: TestPaths.fixtures.appendingPathComponent("demo/\(scene)_\(view).jpg").path,
                                                 toPath: path("\(folder)/\(name(scene, view)).jpg"))
            }
        }
    }

    /// Oxford layout: query `<scene>_1` is view 0 (box given); views 0, 1 good, 3 ok, 2 junk.
    private func oxfordLayout() throws -> String {
        try copyViews(to: "oxford/jpg") { "\($0)_\($1)" }
        for scene in Self.scenes {
            try write("oxford/groundtruth/\(scene)_1_query.txt", "oxc1_\(scene)_0 20.5 10.0 300.0 220.0\n")
            try write("oxford/groundtruth/\(scene)_1_good.txt", "\(scene)_0\n\(scene)_1\n")
            try write("oxford/groundtruth/\(scene)_1_ok.txt", "\(scene)_3\n")
            try write("oxford/groundtruth/\(scene)_1_junk.txt", "\(scene)_2\n")
        }
        return path("oxford")
    }

    private func json(_ result: ProcessResult) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    func testOxfordRecipeRunsCachesAndAgreesWithMetricMode() throws {
        let root = try oxfordLayout(), out = path("out")
        // The seed's multi-scale recipe (224 is the smallest pyramid size); features cached in out.
        let arguments = ["eval", "oxford", "--dataset-root", root, "--weights", weights, "--img-size", "224",
                         "--output-dir", out, "--json"]
        let first = try ProcessRunner.mirror(arguments)
        let report = try json(first)
        let mAP = try XCTUnwrap(report["mAP"] as? Double)
        XCTAssertTrue((0...1).contains(mAP), "\(mAP)")
        XCTAssertEqual(report["num_queries"] as? Int, 3)
        let queries = try XCTUnwrap(report["queries"] as? [[String: Any]])
        XCTAssertEqual(queries.compactMap { $0["name"] as? String }, ["astronaut_1", "chelsea_1", "coffee_1"])
        let settings = try XCTUnwrap(report["settings"] as? [String: Any])
        XCTAssertEqual(settings["multi_scale"] as? Bool, true)
        XCTAssertEqual(settings["qe"] as? Int, 10)
        XCTAssertEqual(settings["top"] as? Int, 12)            // 6500 capped at the database size
        XCTAssertTrue(first.stderr.contains("12 written"), first.stderr)

        // Files: report.json (the same object), the PR plot, ranked lists, match_pairs of 3 × 12 lines.
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any]
        XCTAssertEqual(saved?["mAP"] as? Double, mAP)
        let plot = try ImageDecoder.decode(path: out + "/pr_curve.png")
        XCTAssertEqual([plot.width, plot.height], [640, 480])
        XCTAssertEqual(try String(contentsOfFile: out + "/match_pairs", encoding: .utf8).split(separator: "\n").count, 36)
        XCTAssertEqual(try String(contentsOfFile: out + "/ranked/chelsea_1.txt", encoding: .utf8).split(separator: "\n").count, 12)

        // A re-run reuses every feature and gives the same numbers.
        let second = try ProcessRunner.mirror(arguments)
        XCTAssertEqual(try json(second)["mAP"] as? Double, mAP)
        XCTAssertTrue(second.stderr.contains("0 written, 12 already done"), second.stderr)

        // Metric mode on the files the recipe wrote.
        let rescored = try json(try ProcessRunner.mirror([
            "eval", "oxford", "--query-list", out + "/query_list.txt", "--image-list", out + "/image_list.txt",
            "--match-pairs", out + "/match_pairs", "--gt-dir", root + "/groundtruth", "--json"]))
        XCTAssertEqual(rescored["mAP"] as? Double, mAP)
    }

    func testDefaultModelRanksTheDemoScenesPerfectly() throws {
        let model = TestPaths.repositoryRoot.appendingPathComponent("Models/efficientnet-lite0.h5").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: model), "the default model is installed by 'make setup'")
        let report = try json(try ProcessRunner.mirror(["eval", "oxford", "--dataset-root", try oxfordLayout(),
                                                        "--weights", model, "--output-dir", path("out")] + small + ["--json"]))
        XCTAssertGreaterThan(try XCTUnwrap(report["mAP"] as? Double), 0.9)
    }

    func testOxfordRecipeBadInputsNameTheCulprit() throws {
        let root = try oxfordLayout()
        func fails(_ extra: [String], mentioning text: String, _ label: String) throws {
            let result = try ProcessRunner.mirror(["eval", "oxford", "--dataset-root", root, "--weights", weights,
                                                   "--output-dir", path("out")] + small + extra)
            XCTAssertEqual(result.status, 1, label)
            XCTAssertTrue(result.stderr.contains(text), "\(label): \(result.stderr)")
        }
        try FileManager.default.removeItem(atPath: root + "/groundtruth/coffee_1_ok.txt")
        try fails([], mentioning: "coffee_1_ok.txt: ground-truth file not found", "missing ground truth")
        try write("oxford/groundtruth/coffee_1_ok.txt", "coffee_3\n")

        try write("oxford/query_list.txt", "astronaut_1\nnotre_dame_1\n")
        try fails([], mentioning: "notre_dame_1_query.txt: ground-truth file not found", "unknown query")
        try FileManager.default.removeItem(atPath: root + "/query_list.txt")

        try write("oxford/image_list.txt", "astronaut_0\nradcliffe_camera_000519\n")
        try fails([], mentioning: "image 'radcliffe_camera_000519' is listed but not found in \(root)/jpg", "unknown image")
        try FileManager.default.removeItem(atPath: root + "/image_list.txt")

        try FileManager.default.moveItem(atPath: root + "/jpg", toPath: root + "/images")
        try fails([], mentioning: "\(root)/jpg: the image folder is missing", "no jpg folder")

        let both = try ProcessRunner.mirror(["eval", "oxford", "--dataset-root", root, "--match-pairs", "x"])
        XCTAssertEqual(both.status, 2, both.stderr)
    }

    func testHolidaysAndGL3DRecipes() throws {
        // Holidays: scene k's views are 1<k:03><view:02>.jpg, so view 0 (≡ 0 mod 100) is the query of its group.
        try copyViews(to: "holidays/jpg") { scene, view in String(format: "1%03d%02d", Self.scenes.firstIndex(of: scene)!, view) }
        let names = try FileManager.default.contentsOfDirectory(atPath: path("holidays/jpg")).sorted()
        XCTAssertEqual(names.first, "100000.jpg")
        let holidays = try json(try ProcessRunner.mirror(["eval", "holidays", "--dataset-root", path("holidays"), "--weights", weights,
                                                          "--output-dir", path("out-holidays"), "--json"] + small))
        XCTAssertEqual(holidays["num_queries"] as? Int, 3)
        XCTAssertTrue((0...1).contains(try XCTUnwrap(holidays["mAP"] as? Double)))
        XCTAssertEqual((holidays["settings"] as? [String: Any])?["out_dim"] as? Int, 512)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out-holidays/holidays_images.dat")))

        // GL3D: the seed's relative list and gt pairs (views of one scene overlap).
        try copyViews(to: "gl3d/images") { "\($0)_\($1)" }
        let list = Self.scenes.flatMap { scene in (0..<4).map { "images/\(scene)_\($0).jpg" } }
        try write("gl3d/eval_img_list.txt", list.joined(separator: "\n") + "\n")
        let pairs = list.indices.flatMap { i in list.indices.filter { $0 / 4 == i / 4 && $0 != i }.map { "\(i) \($0)" } }
        try write("gl3d/gl3d_gt_pairs", pairs.joined(separator: "\n") + "\n")
        let gl3d = try json(try ProcessRunner.mirror(["eval", "gl3d", "--dataset-root", path("gl3d"), "--weights", weights,
                                                      "--output-dir", path("out-gl3d"), "--json", "--img-size", "64"]))
        XCTAssertEqual(gl3d["num_queries"] as? Int, 12)
        XCTAssertEqual(gl3d["mAP@12"] as? Double, gl3d["mAP"] as? Double)
        XCTAssertEqual((gl3d["settings"] as? [String: Any])?["multi_scale"] as? Bool, false)
        XCTAssertEqual((gl3d["settings"] as? [String: Any])?["rmac_step"] as? [Int], [1, 3, 5])

        // Database features are keyed by image content: a second set with the same names but the
        // pictures shuffled across scenes, scored into the same output folder, is ranked with its
        // own pictures' features (as in a fresh folder), not with the first set's for those names.
        try FileManager.default.createDirectory(atPath: path("gl3d-b/images"), withIntermediateDirectories: true)
        for (k, scene) in Self.scenes.enumerated() {
            for view in 0..<4 {
                let source = Self.scenes[(k + view) % Self.scenes.count]
                try FileManager.default.copyItem(atPath: TestPaths.fixtures.appendingPathComponent("demo/\(source)_\(view).jpg").path,
                                                 toPath: path("gl3d-b/images/\(scene)_\(view).jpg"))
            }
        }
        try FileManager.default.copyItem(atPath: path("gl3d/eval_img_list.txt"), toPath: path("gl3d-b/eval_img_list.txt"))
        try FileManager.default.copyItem(atPath: path("gl3d/gl3d_gt_pairs"), toPath: path("gl3d-b/gl3d_gt_pairs"))
        let shared = try json(try ProcessRunner.mirror(["eval", "gl3d", "--dataset-root", path("gl3d-b"), "--weights", weights,
                                                        "--output-dir", path("out-gl3d"), "--json", "--img-size", "64"]))
        let fresh = try json(try ProcessRunner.mirror(["eval", "gl3d", "--dataset-root", path("gl3d-b"), "--weights", weights,
                                                       "--output-dir", path("out-gl3d-b"), "--json", "--img-size", "64"]))
        XCTAssertEqual(shared["mAP"] as? Double, fresh["mAP"] as? Double)
        XCTAssertNotEqual(shared["mAP"] as? Double, gl3d["mAP"] as? Double, "the shuffled set must score differently")
    }

    func testRevisitedRecipeCropsQueriesAndReportsThreeSettings() throws {
        try copyViews(to: "rox/jpg") { "\($0)_\($1)" }
        let images = Self.scenes.flatMap { scene in (0..<4).map { "\(scene)_\($0)" } }
        let gnd = Self.scenes.map { scene -> PickleText in
            let index = { (view: Int) in images.firstIndex(of: "\(scene)_\(view)")! }
            return .dict([("bbx", .list([.float(20), .float(10), .float(300), .float(220)])),
                          ("easy", .list([.int(index(1))])), ("hard", .list([.int(index(3))])), ("junk", .list([.int(index(2))]))])
        }
        let pickle = PickleText.dict([("imlist", .list(images.map { .string($0) })),
                                      ("qimlist", .list(Self.scenes.map { .string("\($0)_0") })), ("gnd", .list(gnd))])
        try AtomicFile.write(pickle.file, to: path("rox/gnd_roxford5k.pkl"))
        let report = try json(try ProcessRunner.mirror(["eval", "roxford5k", "--dataset-root", path("rox"), "--weights", weights,
                                                        "--output-dir", path("out-rox"), "--json"] + small))
        for setting in ["easy", "medium", "hard"] {
            let summary = try XCTUnwrap(report[setting] as? [String: Any], setting)
            XCTAssertEqual(summary["num_queries"] as? Int, 3)
            XCTAssertNotNil(summary["mP@5"] as? Double)
        }
        XCTAssertEqual(report["mAP"] as? Double, (report["medium"] as? [String: Any])?["mAP"] as? Double)
        let crop = try ImageDecoder.decode(path: try XCTUnwrap(
            FileManager.default.enumerator(atPath: path("out-rox"))?.compactMap { $0 as? String }
                .first { $0.hasSuffix("queries-cropped/chelsea_0.jpg") }.map { path("out-rox/" + $0) }))
        XCTAssertEqual([crop.width, crop.height], [280, 210])   // [floor(20), floor(300)) × [floor(10), floor(220))
    }
}

/// Just enough of pickle protocol 2 to write a revisited ground-truth file from a test.
indirect enum PickleText {
    case string(String), int(Int), float(Double), list([PickleText]), dict([(String, PickleText)])

    var file: [UInt8] { [0x80, 0x02] + bytes + [0x2E] }

    private var bytes: [UInt8] {
        switch self {
        case .string(let s):
            let utf8 = Array(s.utf8)
            return [0x58] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { Array($0) } + utf8
        case .int(let n): return [0x4A] + withUnsafeBytes(of: Int32(n).littleEndian) { Array($0) }
        case .float(let x): return [0x47] + withUnsafeBytes(of: x.bitPattern.bigEndian) { Array($0) }
        case .list(let items): return [0x5D, 0x28] + items.flatMap(\.bytes) + [0x65]
        case .dict(let pairs): return [0x7D, 0x28] + pairs.flatMap { PickleText.string($0.0).bytes + $0.1.bytes } + [0x75]
        }
    }
}

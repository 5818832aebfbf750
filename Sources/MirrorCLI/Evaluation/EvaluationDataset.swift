import MirrorCore
import Foundation
import MirrorRetrieval

/// Where `mirror eval BENCHMARK --dataset-root DIR` finds images, lists and ground truth
/// (README "Evaluation"):
///
/// - **oxford, paris**: `DIR/jpg/` (searched recursively, images named by stem),
///   `DIR/groundtruth/<query>_{good,ok,junk,query}.txt`, optional `DIR/image_list.txt` (database
///   stems in feature order; default: every stem, bytewise sorted as the seed's `ls`) and
///   `DIR/query_list.txt` (default: the sorted names of the `*_query.txt` files).
/// - **roxford5k, rparis6k**: `DIR/jpg/` and `DIR/gnd_<benchmark>.pkl` (or `--gnd`); database and
///   queries in the file's `imlist`/`qimlist` order.
/// - **holidays**: `DIR/jpg/` and optional `DIR/holidays_images.dat` (default: every image name,
///   sorted); every image is in the database, those numbered ≡ 0 (mod 100) are the queries.
/// - **gl3d**: `DIR/eval_img_list.txt` (paths relative to DIR, the seed's list; default: every
///   image under DIR, sorted) and `DIR/gl3d_gt_pairs` (or `--gt-pairs`).
struct EvaluationDataset {
    struct Image {
        /// The file to read.
        let path: String
        /// The name the benchmark uses (stem, basename or relative path).
        let name: String
    }

    enum Queries {
        /// Oxford/Paris: `<query>_query.txt` names an image and a box; the seed re-encodes it.
        case oxford(names: [String])
        /// Revisited: `qimlist` images cropped to their `bbx`.
        case cropped(names: [String], images: [String], boxes: [[Double]?])
        /// Holidays and GL3D: queries are database images (all of them when nil); their features are reused.
        case database([Int]?)
    }

    let database: [Image]
    let queries: Queries
    /// The ground-truth folder (oxford/paris) or file (.dat, gt pairs, .pkl).
    let groundTruth: String

    /// `outputDirectory` is never searched for images (it holds the re-encoded queries).
    static func resolve(benchmark: String, root: String, outputDirectory: String, args: ParsedArguments) throws -> EvaluationDataset {
        let join = { (name: String) in (root as NSString).appendingPathComponent(name) }
        switch benchmark {
        case "oxford", "paris":
            let gtDir = join("groundtruth")
            try requireFolder(gtDir, what: "the ground-truth folder (<query>_{good,ok,junk,query}.txt)")
            let byStem = try imagesByStem(join("jpg"))
            let names = try optionalList(join("image_list.txt")).map { $0.map(FeatureSet.stem) } ?? sortedKeys(byStem)
            let queries = try optionalList(join("query_list.txt")) ?? FileManager.default.contentsOfDirectory(atPath: gtDir)
                .filter { $0.hasSuffix("_query.txt") }.map { String($0.dropLast("_query.txt".count)) }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            guard !queries.isEmpty else { throw EvaluationError.missingGroundTruth(path: gtDir + "/*_query.txt") }
            return EvaluationDataset(database: try lookUp(names, in: byStem, folder: join("jpg")), queries: .oxford(names: queries),
                                     groundTruth: gtDir)
        case "roxford5k", "rparis6k":
            let gnd = args.string("gnd") ?? join("gnd_\(benchmark).pkl")
            let truth = try RevisitedGroundTruth.read(path: gnd)
            let byStem = try imagesByStem(join("jpg"))
            let queryImages = try lookUp(truth.queries.map(\.name), in: byStem, folder: join("jpg"))
            return EvaluationDataset(database: try lookUp(truth.imageNames, in: byStem, folder: join("jpg")),
                                     queries: .cropped(names: truth.queries.map(\.name), images: queryImages.map(\.path),
                                                       boxes: truth.queries.map(\.boundingBox)),
                                     groundTruth: gnd)
        case "holidays":
            let byName = Dictionary(try ImageList.expand([try requireFolder(join("jpg"), what: "the image folder")])
                .map { (($0 as NSString).lastPathComponent, $0) }, uniquingKeysWith: { first, _ in first })
            let datPath = join("holidays_images.dat")
            let names = try optionalList(datPath) ?? sortedKeys(byName)
            let database = try lookUp(names, in: byName, folder: join("jpg"))
            let queries = database.indices.filter { index in
                Int((database[index].name as NSString).deletingPathExtension).map { $0 % 100 == 0 } ?? false
            }
            return EvaluationDataset(database: database, queries: .database(queries), groundTruth: datPath)
        default:  // gl3d
            let listPath = join("eval_img_list.txt")
            let prefix = root.hasSuffix("/") ? root : root + "/"
            let outputPrefix = URL(fileURLWithPath: outputDirectory).standardizedFileURL.path + "/"
            let relative = try optionalList(listPath) ?? ImageList.expand([root])
                .filter { !URL(fileURLWithPath: $0).standardizedFileURL.path.hasPrefix(outputPrefix) }
                .map { path in path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path }
            let database = relative.map { Image(path: $0.hasPrefix("/") ? $0 : join($0), name: $0) }
            return EvaluationDataset(database: database, queries: .database(nil),
                                     groundTruth: args.string("gt-pairs") ?? join("gl3d_gt_pairs"))
        }
    }

    @discardableResult
    private static func requireFolder(_ path: String, what: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetLayoutError.missingFolder(path: path, what: what)
        }
        return path
    }

    /// Non-empty lines of `path`, or nil when the file does not exist.
    private static func optionalList(_ path: String) throws -> [String]? {
        FileManager.default.fileExists(atPath: path) ? try TextList.read(path) : nil
    }

    private static func sortedKeys(_ map: [String: String]) -> [String] {
        map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Every image under `folder` (recursively), by file stem.
    private static func imagesByStem(_ folder: String) throws -> [String: String] {
        var byStem: [String: String] = [:]
        for path in try ImageList.expand([try requireFolder(folder, what: "the image folder")]) {
            let stem = FeatureSet.stem(path)
            if let first = byStem[stem] { throw DatasetLayoutError.duplicateName(name: stem, first: first, second: path) }
            byStem[stem] = path
        }
        return byStem
    }

    private static func lookUp(_ names: [String], in map: [String: String], folder: String) throws -> [Image] {
        try names.map { name in
            guard let path = map[name] else { throw DatasetLayoutError.missingImage(name: name, folder: folder) }
            return Image(path: path, name: name)
        }
    }
}

enum DatasetLayoutError: Error, CustomStringConvertible {
    case missingFolder(path: String, what: String)
    case missingImage(name: String, folder: String)
    case duplicateName(name: String, first: String, second: String)

    var description: String {
        switch self {
        case .missingFolder(let path, let what): return "\(path): \(what) is missing (see README, \"Evaluation\")"
        case .missingImage(let name, let folder): return "image '\(name)' is listed but not found in \(folder)"
        case .duplicateName(let name, let first, let second): return "\(first) and \(second) both have the name '\(name)'"
        }
    }
}

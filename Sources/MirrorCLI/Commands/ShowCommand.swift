import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval
import MirrorTraining

/// `mirror show`: result sheets to look at — each query with its best results as thumbnails,
/// scores (or probabilities) under them, and green/red frames when ground truth is given.
enum ShowCommand {
    static let command = Command(
        name: "show",
        summary: "Draw result sheets: queries and their top results as thumbnails, framed by ground truth.",
        synopsis: "--index INDEX --image-list LIST (--query NAME | --queries N) (--out SHEET.png | --html DIR) [options]",
        discussion: """
        The images are LIST's lines (paths, in database order, as 'mirror query --image-list'). Each row \
        is a query (blue frame) and its --top best other images, scored by PR-MAC (sum/regions), or by \
        probability with --calibration. With --overlaps DIR (images.txt + pairs.tsv) a result's frame is \
        green when the pair overlaps at least --min-overlap, red otherwise. --html writes one PNG per query \
        and an index.html for large runs. Every tile is also listed on stdout.
        """,
        options: [
            .value("index", "INDEX", help: "Index built by 'mirror index'."),
            .value("image-list", "LIST", help: "Image paths in database order."),
            .value("query", "NAME", help: "The query image (a LIST line, or a unique suffix of one)."),
            .value("queries", "N", help: "N queries spread evenly over the database."),
            .value("top", "K", help: "Results per query.", default: "6"),
            .value("overlaps", "DIR|FILE", help: "Ground truth: a folder with images.txt and pairs.tsv, or a file of "
                   + "'name1 name2 overlap' lines (as Fixtures/demo/ground_truth_pairs.txt)."),
            .value("min-overlap", "T", help: "Overlap from which a pair counts as matchable.", default: "0.5"),
            .value("calibration", "FILE", help: "Show probabilities from this calibration instead of scores."),
            .value("out", "SHEET.png", help: "One sheet with every query."),
            .value("html", "DIR", help: "One PNG per query and DIR/index.html."),
            .value("max-memory", "MB", help: "Working-memory budget of the matcher.", default: "1024"),
            SharedOptions.compute[1],
        ],
        run: { args, console in try ShowRunner.run(args, console: console) })
}

enum ShowRunner {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        let indexPath = try args.required("index"), listPath = try args.required("image-list")
        guard (args.string("query") == nil) != (args.string("queries") == nil) else {
            throw UsageError("give exactly one of --query NAME and --queries N", command: args.command)
        }
        guard args.string("out") != nil || args.string("html") != nil else {
            throw UsageError("give --out SHEET.png or --html DIR", command: args.command)
        }
        let top = try args.int("top", in: 1...100)!
        let minOverlap = try args.double("min-overlap", in: 0...1)!
        let index = try RetrievalIndex.read(from: indexPath)
        let images = try TextList.read(listPath)
        guard images.count == index.count else {
            throw QueryError.imageListLength(path: listPath, expected: index.count, actual: images.count)
        }
        let names = PairNames(images, listName: listPath)
        let queries: [Int]
        if let name = args.string("query") {
            do { queries = [try names.index(name)] } catch let error as PairNameError {
                throw UsageError.invalidValue("query", name, command: args.command, reason: error.description)
            }
        } else {
            let n = min(try args.int("queries", in: 1...100_000)!, index.count)
            queries = (0..<n).map { $0 * index.count / n }
        }
        // An index does not record its model: only the PCA dimension can be checked.
        let calibration = try args.string("calibration").map {
            try CalibrationOptions.read($0, for: nil, pcaDims: index.pca?.outputDims ?? 0)
        }
        let overlap = try args.string("overlaps").map { try overlapLookup($0, images: images, names: names) }

        // Rank: the queries are database images, matched as explicit rows (self is skipped below).
        let rows = queries.flatMap { q in index.vectors.slice(rows: (q * index.regions)..<((q + 1) * index.regions)).float32Values() }
        let matcher = index.matcher(memoryBudget: try args.int("max-memory", in: 16...1_048_576)! << 20, threads: try SharedOptions.threads(args))
        let results = matcher.match(queries: rows, top: min(top + 1, index.count), metric: index.normalizesInput ? .cosine : .euclidean)

        var sheetRows: [[ContactSheet.Tile]] = []
        for (q, query) in queries.enumerated() {
            var row = [ContactSheet.Tile(image: try? ImageDecoder.decode(path: images[query]), label: "QUERY", verdict: .query)]
            for match in results[q].filter({ $0.index != query }).prefix(top) {
                let score = Double(match.score) / Double(index.regions)
                let verdict: ContactSheet.Verdict = overlap.map { $0(query, match.index) >= minOverlap ? .matchable : .unmatchable } ?? .unknown
                let label = calibration.map { String(format: "P %.2f", $0.probability(score)) } ?? String(format: "%.3f", score)
                row.append(ContactSheet.Tile(image: try? ImageDecoder.decode(path: images[match.index]), label: label, verdict: verdict))
                console.out("\(images[query])\t\(images[match.index])\t\(score)\t\(verdict.rawValue)")
            }
            sheetRows.append(row)
        }
        if let out = args.string("out") {
            try AtomicFile.write(PNGEncoder.encode(ContactSheet.render(sheetRows)), to: out)
        }
        if let folder = args.string("html") {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>mirror show</title></head><body>\n"
            for (q, row) in sheetRows.enumerated() {
                let file = String(format: "query-%05d.png", q + 1)
                try AtomicFile.write(PNGEncoder.encode(ContactSheet.render([row])), to: (folder as NSString).appendingPathComponent(file))
                html += "<h3>\(escape(images[queries[q]]))</h3>\n<img src=\"\(file)\" alt=\"results of \(escape(images[queries[q]]))\">\n"
            }
            html += "</body></html>\n"
            try AtomicFile.write(Array(html.utf8), to: (folder as NSString).appendingPathComponent("index.html"))
        }
        return 0
    }

    /// The overlap of two database images (by LIST position) from an overlaps folder, or from a
    /// file of `name1 name2 overlap` lines (the demo's ground truth); 0 when not listed.
    /// `names` resolves names of the file form against `images`.
    static func overlapLookup(_ folder: String, images: [String], names: PairNames) throws -> (Int, Int) -> Double {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), !isDirectory.boolValue {
            var overlap: [Int64: Double] = [:]
            for (number, line) in try TextList.read(folder, nonEmpty: false).enumerated() where !line.hasPrefix("#") {
                let f = line.split(whereSeparator: \.isWhitespace)
                guard f.count >= 3, let value = Double(f[2]), let a = try? names.index(String(f[0])), let b = try? names.index(String(f[1])) else {
                    throw UsageError.invalidValue("overlaps", folder, command: "show",
                                                  reason: "line \(number + 1) is not 'name1 name2 overlap' with names from the image list")
                }
                overlap[PairList.key(a, b)] = value
            }
            return { a, b in overlap[PairList.key(a, b)] ?? 0 }
        }
        let table = try OverlapTable.read(imageList: (folder as NSString).appendingPathComponent("images.txt"),
                                          pairs: (folder as NSString).appendingPathComponent("pairs.tsv"))
        let listed = PairNames(table.images)
        let position = try images.map { image in
            // A database image is matched to the overlaps list by its path's unique suffix.
            let parts = image.split(separator: "/")
            for start in parts.indices { if let found = try? listed.index(parts[start...].joined(separator: "/")) { return found } }
            throw UsageError.invalidValue("overlaps", folder, command: "show", reason: "\(image) is not in its images.txt")
        }
        let overlap = table.overlapByPair
        return { a, b in overlap[PairList.key(position[a], position[b])] ?? 0 }
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

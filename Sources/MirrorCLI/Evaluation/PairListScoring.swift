import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval
import MirrorTraining

/// `mirror eval pairs`: reads a pair list and an overlaps folder, resolves names, and reports
/// `PairListEvaluation` as a table or JSON, with a PNG of recall against pairs per image.
enum PairListScoring {
    /// A pair list as COLMAP's `matches_importer`, hloc and mirror write them: `name1 name2` per line
    /// (split on white space), or `name1<TAB>name2[<TAB>score[<TAB>probability]]` (mirror's `--format
    /// tsv`); blank and `#` lines skipped.
    static func readPairs(_ path: String, resolve: (String) throws -> Int) throws -> [PairListEvaluation.ListedPair] {
        let text: String
        do { text = String(decoding: try AtomicFile.read(path), as: UTF8.self) } catch {
            throw UsageError.invalidValue("pairs", path, command: "eval", reason: "\(error)")
        }
        return try parsePairs(text, path: path, resolve: resolve)
    }

    /// `readPairs` of text already read from `path` (named in errors).
    static func parsePairs(_ text: String, path: String, resolve: (String) throws -> Int) throws -> [PairListEvaluation.ListedPair] {
        var pairs: [PairListEvaluation.ListedPair] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            func fail(_ reason: String) -> Error { PairListScoringError(path: path, line: number + 1, reason: reason) }
            let columns: [String]
            var score: Double? = nil
            if line.contains("\t") {
                columns = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard (2...4).contains(columns.count) else {
                    throw fail("expected name1<TAB>name2[<TAB>score[<TAB>probability]], found \(columns.count) columns")
                }
                if columns.count >= 3 {
                    guard let value = Double(columns[2]), value.isFinite else { throw fail("score '\(columns[2])' is not a number") }
                    score = value
                }
            } else {
                columns = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
                guard columns.count == 2 else { throw fail("expected 'name1 name2', found \(columns.count) fields") }
            }
            do {
                pairs.append(.init(first: try resolve(columns[0]), second: try resolve(columns[1]), score: score))
            } catch let error as PairNameError {
                throw fail(error.description)
            }
        }
        return pairs
    }

    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        let pairsPath = try args.required("pairs"), folder = try args.required("overlaps")
        let minOverlap = try args.double("min-overlap", in: 0...1)!
        let table = try OverlapTable.read(imageList: (folder as NSString).appendingPathComponent("images.txt"),
                                          pairs: (folder as NSString).appendingPathComponent("pairs.tsv"))
        let names = PairNames(table.images)
        var listed = try readPairs(pairsPath, resolve: names.index)
        let scored = listed.filter { $0.score != nil }.count
        if scored > 0 && scored < listed.count {
            console.warning("\(pairsPath): \(listed.count - scored) of \(listed.count) pairs have no score; ranking measures skipped")
            listed = listed.map { .init(first: $0.first, second: $0.second, score: nil) }
        }
        let result = PairListEvaluation.evaluate(images: table.images.count, overlaps: table.pairs, minOverlap: minOverlap, listed: listed)
        if let plot = args.string("plot") { try AtomicFile.write(PNGEncoder.encode(Self.plot(result, name: pairsPath)), to: plot) }
        console.out(args.flag("json") ? json(result).text : self.table(result, pairs: pairsPath))
        return 0
    }

    static func table(_ r: PairListEvaluation.Result, pairs: String) -> String {
        var lines = [
            "\(pairs): \(r.images) images; matchable = overlap ≥ \(r.minOverlap)",
            String(format: "  pairs listed        %8d   (%.2f per image)", r.listedPairs, r.pairsPerImage),
            String(format: "  matchable pairs     %8d", r.matchablePairs),
            String(format: "  recall              %8.4f   (%d of %d matchable pairs listed)", r.recall, r.matchableListed, r.matchablePairs),
            String(format: "  precision           %8.4f", r.precision),
            String(format: "  images missed       %8d   (of %d with a matchable partner, none listed)", r.imagesMissed, r.imagesWithMatchable),
        ]
        if let map = r.meanAveragePrecision { lines.append(String(format: "  mAP (by score)      %8.4f", map)) }
        for k in [1, 5, 10, 20, 50] where k <= r.curve.count {
            let point = r.curve[k - 1]
            lines.append(String(format: "  top %-2d per image    recall %.4f at %.2f pairs per image", k, point.recall, point.pairsPerImage))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ r: PairListEvaluation.Result) -> JSON {
        .object([
            ("images", .integer(r.images)), ("min_overlap", .number(r.minOverlap)), ("pairs_listed", .integer(r.listedPairs)),
            ("pairs_per_image", .number(r.pairsPerImage)), ("matchable_pairs", .integer(r.matchablePairs)),
            ("matchable_listed", .integer(r.matchableListed)), ("recall", .number(r.recall)), ("precision", .number(r.precision)),
            ("images_with_matchable", .integer(r.imagesWithMatchable)), ("images_missed", .integer(r.imagesMissed)),
            ("mAP", r.meanAveragePrecision.map { .number($0) } ?? .null),
            ("recall_curve", .array(r.curve.map {
                .object([("k", .integer($0.partnersKept)), ("pairs_per_image", .number($0.pairsPerImage)), ("recall", .number($0.recall))])
            })),
        ])
    }

    /// Recall against pairs per image: the top-k curve when the list has scores, else its one point.
    static func plot(_ r: PairListEvaluation.Result, name: String) -> RGBImage {
        let points = r.curve.isEmpty ? [(x: r.pairsPerImage, y: r.recall)] : r.curve.map { (x: $0.pairsPerImage, y: $0.recall) }
        let largest = max(1, points.map(\.x).max() ?? 1)
        let maximum = largest <= 10 ? 10 : (largest / 10).rounded(.up) * 10
        return CurvePlot.render(title: "recall of matchable pairs", x: .init(title: "pairs per image", maximum: maximum),
                                y: .init(title: "recall"),
                                series: [.init(label: (name as NSString).lastPathComponent + String(format: " (min overlap %.2f)", r.minOverlap),
                                               points: points)])
    }
}

struct PairListScoringError: Error, CustomStringConvertible {
    let path: String, line: Int, reason: String
    var description: String { "\(path):\(line): \(reason)" }
}

struct PairNameError: Error, CustomStringConvertible {
    let description: String
}

extension OverlapTable {
    /// Each listed pair's overlap by `PairList.key`; pairs not listed do not overlap.
    var overlapByPair: [Int64: Double] {
        var table: [Int64: Double] = [:]
        for pair in pairs { table[PairList.key(pair.first, pair.second)] = pair.overlap }
        return table
    }
}

/// Finds a pair list's image name in an image list (an overlaps folder's, or `mirror show`'s),
/// whose entries may be longer paths (absolute, or relative to another folder): a name matches the
/// entry equal to it, else the one entry ending in `/name`. A name that ends two entries is
/// ambiguous and an error; errors name the list as `listName`.
struct PairNames {
    private var bySuffix: [String: Int] = [:]
    private var ambiguous = Set<String>()
    private let listName: String

    init(_ entries: [String], listName: String = "the overlaps image list") {
        self.listName = listName
        for (index, entry) in entries.enumerated() {
            let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
            for start in parts.indices {
                let suffix = parts[start...].joined(separator: "/")
                guard !suffix.isEmpty else { continue }
                if let other = bySuffix[suffix], other != index { ambiguous.insert(suffix) } else { bySuffix[suffix] = index }
            }
        }
    }

    func index(_ name: String) throws -> Int {
        let key = name.hasPrefix("./") ? String(name.dropFirst(2)) : name
        guard !ambiguous.contains(key) else { throw PairNameError(description: "image '\(name)' matches several images of \(listName)") }
        guard let index = bySuffix[key] else { throw PairNameError(description: "image '\(name)' is not in \(listName)") }
        return index
    }
}

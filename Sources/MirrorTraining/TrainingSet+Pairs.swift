import Foundation
import MirrorCore

extension TrainingSet {
    /// Reads mirror's plain training format: an image list and a TSV of overlapping pairs
    /// (Docs/FORMATS.md "Training data" is the reference; other tools write these files).
    ///
    /// **Image list.** One path per line; surrounding spaces and tabs are stripped; blank lines
    /// and lines whose first non-blank character is `#` are skipped and take no index. The
    /// remaining lines are images 0, 1, 2, … in order. Relative paths are joined to `imageRoot`,
    /// or to the list's own folder when `imageRoot` is nil; absolute paths are kept.
    ///
    /// **Pairs.** One pair per line, `i<TAB>j<TAB>overlap`, optionally followed by more
    /// TAB-separated columns, which are ignored. `i` and `j` are 0-based indices into the list,
    /// `i ≠ j`; `overlap` is a decimal number in [0, 1] (how much of the scene the two images
    /// share, e.g. GL3D's co-visibility ratio). Blank lines and lines starting with `#` (a header)
    /// are skipped. A pair given more than once, in either order, counts once with the largest
    /// overlap given.
    ///
    /// **Scenes and records.** Scenes are the connected components of the graph of pairs with
    /// overlap > 0, so one image belongs to at most one scene. A pair is positive when its
    /// overlap is ≥ `positiveOverlap`; positives are symmetric. Every image with a positive is an
    /// anchor (one record); its hard negatives are the images of the same scene it has a listed
    /// pair with, overlap < `hardNegativeOverlap` (none when nil). `negatives` stay empty: the
    /// sampler takes negatives from other scenes. Scenes without a positive pair are dropped.
    ///
    /// - Parameters:
    ///   - positiveOverlap: Smallest overlap of a positive pair, in (0, 1]; default 0.5.
    ///   - hardNegativeOverlap: Overlaps below this make a hard negative, in [0, positiveOverlap];
    ///     nil for none.
    /// - Throws: `TrainingError.unreadable` for a file that cannot be read;
    ///   `.invalidLine(path:line:reason:)` for a pair line with the wrong number of columns, a
    ///   malformed number, an index outside the list, `i == j`, or an overlap outside [0, 1] or NaN;
    ///   `.unusableData` when fewer than two scenes have a positive pair.
    public static func pairs(imageList: String, pairs: String, imageRoot: String? = nil,
                             positiveOverlap: Double = 0.5, hardNegativeOverlap: Double? = nil) throws -> TrainingSet {
        precondition(positiveOverlap > 0 && positiveOverlap <= 1, "positiveOverlap must be in (0, 1], got \(positiveOverlap)")
        if let hardNegativeOverlap {
            precondition(hardNegativeOverlap >= 0 && hardNegativeOverlap <= positiveOverlap,
                         "hardNegativeOverlap must be in [0, \(positiveOverlap)], got \(hardNegativeOverlap)")
        }
        let root = imageRoot ?? (imageList as NSString).deletingLastPathComponent
        let table = try OverlapTable.read(imageList: imageList, pairs: pairs)
        let images = table.images.map { TextList.join(root, $0) }
        var components = SceneComponents(count: images.count)
        for (a, b, overlap) in table.pairs where overlap > 0 { components.join(a, b) }

        var positives = [[Int]](repeating: [], count: images.count)
        var hardNegatives = [[Int]](repeating: [], count: images.count)
        for (a, b, overlap) in table.pairs {
            if overlap >= positiveOverlap {
                positives[a].append(b)
                positives[b].append(a)
            } else if let hardNegativeOverlap, overlap < hardNegativeOverlap, components.root(a) == components.root(b) {
                hardNegatives[a].append(b)
                hardNegatives[b].append(a)
            }
        }

        var scenes: [TrainingScene] = []
        for members in components.groups() {
            let records = members.filter { !positives[$0].isEmpty }.map {
                TrainingRecord(anchor: $0, positives: positives[$0].sorted(), hardNegatives: hardNegatives[$0].sorted())
            }
            guard !records.isEmpty else { continue }
            scenes.append(TrainingScene(name: "scene \(scenes.count) (from image \(members[0]))", records: records, images: members))
        }
        guard scenes.count >= 2 else {
            throw TrainingError.unusableData(
                path: pairs, reason: "\(scenes.count) scene\(scenes.count == 1 ? " has" : "s have") a pair with overlap ≥ \(positiveOverlap); "
                    + "a triplet batch draws each triplet from a different scene, so at least 2 are needed")
        }
        return try TrainingSet(images: images, scenes: scenes, source: pairs)
    }
}

/// The plain pairs format as written (Docs/FORMATS.md, "Plain pairs"): the image list's entries
/// and the merged pairs, for readers other than training (`mirror eval pairs`).
public struct OverlapTable: Sendable {
    /// The list's entries in index order, as written (not joined to any root).
    public let images: [String]
    /// Unordered pairs (`first < second`), each once with its largest overlap, in file order.
    public let pairs: [(first: Int, second: Int, overlap: Double)]

    /// - Throws: `TrainingError.unreadable`, `.invalidLine` (see `TrainingSet.pairs`), or
    ///   `.unusableData` for an image list without images.
    public static func read(imageList: String, pairs: String) throws -> OverlapTable {
        let images = try TextLines.read(imageList).compactMap(PlainPairs.listEntry)
        guard !images.isEmpty else { throw TrainingError.unusableData(path: imageList, reason: "the image list holds no images") }
        let merged = try PlainPairs.read(pairs, imageCount: images.count, imageList: imageList)
        return OverlapTable(images: images, pairs: merged.map { ($0.pair.first, $0.pair.second, $0.overlap) })
    }
}

/// Line parsing of the plain pairs format (see `TrainingSet.pairs`).
enum PlainPairs {
    /// An unordered pair of image indices, `first < second`.
    struct Pair: Hashable {
        let first: Int
        let second: Int
    }

    /// `text` without surrounding spaces and tabs.
    static func trimmed(_ text: Substring) -> String {
        text.trimmingCharacters(in: blanks)
    }

    private static let blanks = CharacterSet(charactersIn: " \t")

    /// The path on an image-list line, or nil for a blank or `#` comment line.
    static func listEntry(_ line: Substring) -> String? {
        let entry = trimmed(line)
        return entry.isEmpty || entry.hasPrefix("#") ? nil : entry
    }

    /// The pairs of the TSV at `path`, merged (largest overlap of a repeated pair), in an
    /// order that depends only on the file.
    static func read(_ path: String, imageCount: Int, imageList: String) throws -> [(pair: Pair, overlap: Double)] {
        var order: [Pair] = []
        var overlaps: [Pair: Double] = [:]
        for (number, line) in try TextLines.read(path).enumerated() {
            let text = trimmed(line)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            func invalid(_ reason: String) -> TrainingError { .invalidLine(path: path, line: number + 1, reason: reason) }

            let columns = text.split(separator: "\t", omittingEmptySubsequences: false).map(trimmed)
            guard columns.count >= 3 else {
                throw invalid("expected TAB-separated columns i, j, overlap; found \(columns.count) column\(columns.count == 1 ? "" : "s")")
            }
            func index(_ column: Int, _ name: String) throws -> Int {
                guard let value = Int(columns[column]) else {
                    throw invalid("\(name) '\(columns[column])' is not an integer image index")
                }
                guard (0 ..< imageCount).contains(value) else {
                    throw invalid("\(name) \(value) is outside the \(imageCount) images of \(imageList)")
                }
                return value
            }
            let i = try index(0, "i"), j = try index(1, "j")
            guard i != j else { throw invalid("image \(i) is paired with itself") }
            guard let overlap = Double(columns[2]) else { throw invalid("overlap '\(columns[2])' is not a number") }
            guard !overlap.isNaN else { throw invalid("overlap is NaN") }
            guard overlap >= 0 && overlap <= 1 else { throw invalid("overlap \(columns[2]) is outside [0, 1]") }

            let pair = Pair(first: min(i, j), second: max(i, j))
            if let seen = overlaps[pair] {
                overlaps[pair] = max(seen, overlap)
            } else {
                overlaps[pair] = overlap
                order.append(pair)
            }
        }
        return order.map { ($0, overlaps[$0]!) }
    }
}

import Foundation
import MirrorCore

/// One shard's results, written by `mirror query --shard K/N` and joined by `mirror merge`
/// (layout in `Docs/FORMATS.md`, "Query part file").
///
/// Binary rather than `match_pairs` text so that joining loses nothing: the float32 scores are
/// kept as they are, and the joined `match_pairs` is encoded once, exactly as an unsharded run
/// encodes it. `run` describes the run (index checksum, queries, settings); parts join only
/// when it is the same in all of them, so parts of different runs are never mixed.
public struct QueryPartFile: Equatable, Sendable {
    /// 1-based shard number and shard count, as given to `--shard K/N`.
    public var shard: Int
    public var shards: Int
    public var part: QueryPart
    public var regions: Int
    public var databaseImages: Int
    /// Whether the queries are the database images themselves (pair lists need it).
    public var queriesAreDatabase: Bool
    public var run: String
    /// One list per query of `part`, best first.
    public var results: [[Match]]

    public init(shard: Int, shards: Int, part: QueryPart, regions: Int, databaseImages: Int, queriesAreDatabase: Bool,
                run: String, results: [[Match]]) {
        precondition(results.count == part.range.count, "one result list per query of the part")
        (self.shard, self.shards, self.part, self.regions) = (shard, shards, part, regions)
        (self.databaseImages, self.queriesAreDatabase, self.run, self.results) = (databaseImages, queriesAreDatabase, run, results)
    }

    static let magic = Array("MIRRORPT".utf8)
    static let version: UInt32 = 1

    /// The name of shard `shard` of `shards` in a results folder.
    public static func fileName(shard: Int, of shards: Int) -> String { "match_pairs.part-\(shard)-of-\(shards)" }

    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        let text = Array(run.utf8)
        put(Self.version); put(UInt32(queriesAreDatabase ? 1 : 0))
        put(UInt32(shard)); put(UInt32(shards)); put(UInt32(regions)); put(UInt32(text.count))
        put(UInt64(part.range.lowerBound)); put(UInt64(part.range.count)); put(UInt64(part.total)); put(UInt64(databaseImages))
        bytes += text
        bytes += [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
        for matches in results {
            put(UInt32(matches.count))
            for match in matches {
                put(Int32(match.index))
                put(match.score.bitPattern)
            }
        }
        put(CRC32C.checksum(bytes))
        return bytes
    }

    public func write(to path: String) throws { try AtomicFile.write(encoded(), to: path) }

    /// - Throws: `QueryPartError.unreadable`, `.malformed`, `.checksumMismatch`, naming `path`.
    public static func read(from path: String) throws -> QueryPartFile {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw QueryPartError.unreadable(path: path, reason: "\(error)") }
        guard bytes.count >= 68, Array(bytes.prefix(8)) == magic else {
            throw QueryPartError.malformed(path: path, reason: "not a mirror query part (bad magic or too short)")
        }
        var trailer = ByteCursor(bytes, range: (bytes.count - 4)..<bytes.count)
        guard CRC32C.checksum(bytes.dropLast(4)) == (try? trailer.u32()) else { throw QueryPartError.checksumMismatch(path: path) }
        var cursor = ByteCursor(bytes, range: 8..<(bytes.count - 4))
        do {
            let version = try cursor.u32()
            guard version == Self.version else {
                throw QueryPartError.malformed(path: path, reason: "format version \(version) (this mirror reads \(Self.version))")
            }
            let flags = try cursor.u32()
            let (shard, shards, regions) = (Int(try cursor.u32()), Int(try cursor.u32()), Int(try cursor.u32()))
            let textLength = Int(try cursor.u32())
            let (first, count, total, database) = (try cursor.u64(), try cursor.u64(), try cursor.u64(), try cursor.u64())
            let run = String(decoding: try cursor.read(textLength), as: UTF8.self)
            try cursor.skip((8 - cursor.position % 8) % 8)
            guard flags <= 1, shards >= 1, (1...shards).contains(shard), regions >= 1, first + count <= total, total < 1 << 40 else {
                throw QueryPartError.malformed(path: path, reason: "inconsistent header")
            }
            var results: [[Match]] = []
            results.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                let matches = Int(try cursor.u32())
                guard matches <= database, matches * 8 <= cursor.remaining else {
                    throw QueryPartError.malformed(path: path, reason: "a result list runs past the end")
                }
                results.append(try (0..<matches).map { _ in
                    Match(index: Int(Int32(bitPattern: try cursor.u32())), score: Float(bitPattern: try cursor.u32()))
                })
            }
            guard cursor.isAtEnd else { throw QueryPartError.malformed(path: path, reason: "\(cursor.remaining) bytes after the results") }
            return QueryPartFile(shard: shard, shards: shards, part: QueryPart(range: Int(first)..<Int(first + count), total: Int(total)),
                                 regions: regions, databaseImages: Int(database), queriesAreDatabase: flags == 1, run: run,
                                 results: results)
        } catch let error as ByteCursor.OutOfBounds {
            throw QueryPartError.malformed(path: path, reason: error.description)
        }
    }

    /// The whole run's results from all its parts (`files` with the paths they were read from, in
    /// any order): every shard exactly once, all of the same run, together covering every query.
    /// - Throws: `QueryPartError.noParts`, `.otherRun`, `.duplicate`, `.missing`, `.notContiguous`.
    public static func join(_ files: [(path: String, file: QueryPartFile)]) throws -> [[Match]] {
        guard let (firstPath, first) = files.first else { throw QueryPartError.noParts }
        var byShard: [Int: String] = [:]
        for (path, file) in files {
            if file.run != first.run || file.shards != first.shards || file.part.total != first.part.total
                || file.regions != first.regions || file.databaseImages != first.databaseImages
                || file.queriesAreDatabase != first.queriesAreDatabase {
                throw QueryPartError.otherRun(path: path, other: firstPath, difference: describeDifference(file, first))
            }
            if let earlier = byShard[file.shard] { throw QueryPartError.duplicate(shard: file.shard, paths: [earlier, path]) }
            byShard[file.shard] = path
        }
        let missing = (1...first.shards).filter { byShard[$0] == nil }
        guard missing.isEmpty else { throw QueryPartError.missing(shards: missing, of: first.shards) }
        var results: [[Match]] = []
        results.reserveCapacity(first.part.total)
        for (path, file) in files.sorted(by: { $0.file.shard < $1.file.shard }) {
            guard file.part.range.lowerBound == results.count else {
                throw QueryPartError.notContiguous(path: path, expectedFirst: results.count, found: file.part.range.lowerBound)
            }
            results += file.results
        }
        guard results.count == first.part.total else {
            throw QueryPartError.notContiguous(path: files.last!.path, expectedFirst: first.part.total, found: results.count)
        }
        return results
    }

    private static func describeDifference(_ a: QueryPartFile, _ b: QueryPartFile) -> String {
        if a.shards != b.shards { return "\(a.shards) shards against \(b.shards)" }
        let (left, right) = (a.run.split(separator: "\n"), b.run.split(separator: "\n"))
        if let line = zip(left, right).first(where: { $0 != $1 }) { return "'\(line.0)' against '\(line.1)'" }
        return "\(a.part.total) queries of \(a.databaseImages) images against \(b.part.total) of \(b.databaseImages)"
    }
}

public enum QueryPartError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case checksumMismatch(path: String)
    case noParts
    case otherRun(path: String, other: String, difference: String)
    case duplicate(shard: Int, paths: [String])
    case missing(shards: [Int], of: Int)
    case notContiguous(path: String, expectedFirst: Int, found: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read query part: \(reason)"
        case .malformed(let path, let reason): return "\(path): malformed query part: \(reason)"
        case .checksumMismatch(let path): return "\(path): corrupted query part: its CRC-32C does not match (run that shard again)"
        case .noParts: return "no query parts given"
        case .otherRun(let path, let other, let difference):
            return "\(path) is from another run than \(other): \(difference)"
        case .duplicate(let shard, let paths): return "shard \(shard) is given twice: \(paths.joined(separator: " and "))"
        case .missing(let shards, let count):
            return "missing shard\(shards.count == 1 ? "" : "s") \(shards.map(String.init).joined(separator: ", ")) of \(count)"
                + " (run 'mirror query --shard \(shards[0])/\(count)'\(shards.count == 1 ? "" : " and the others") with the same options)"
        case .notContiguous(let path, let expected, let found):
            return "\(path): parts do not join: expected query \(expected) next, found \(found)"
        }
    }
}

import MirrorCore

/// The seed's `match_pairs` file (SPEC §4): one line `"{i} {idx} {score}"` per result, query i
/// in order and its results best first, where `score = Double(sumF32) / Double(R)` printed with
/// Swift's `Double.description` (identical to Python's `repr` of a float64: `0.9598151070731027`,
/// `1.0`, `1e-05`). Lines are joined by `\n` with **no trailing newline**. Euclidean scores are the
/// distance sums divided by R. Self pairs stay in when the queries are the database.
public enum MatchPairs {
    /// The file's text.
    public static func format(_ results: [[Match]], regions: Int) -> String {
        String(decoding: encode(results, regions: regions), as: UTF8.self)
    }

    /// The file's bytes.
    public static func encode(_ results: [[Match]], regions: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(results.reduce(0) { $0 + $1.count } * 32)
        let divisor = Double(regions)
        var first = true
        for (query, matches) in results.enumerated() {
            let prefix = Array(String(query).utf8) + [UInt8(ascii: " ")]
            for match in matches {
                if !first { bytes.append(UInt8(ascii: "\n")) }
                first = false
                bytes += prefix
                bytes += String(match.index).utf8
                bytes.append(UInt8(ascii: " "))
                bytes += (Double(match.score) / divisor).description.utf8
            }
        }
        return bytes
    }

    /// Atomically writes the file. Throws `AtomicFileError.cannotWrite` naming `path`.
    public static func write(_ results: [[Match]], regions: Int, to path: String) throws {
        try AtomicFile.write(encode(results, regions: regions), to: path)
    }
}

import MirrorCore
/// Reads the seed's `match_pairs` file (`i j score` per line, grouped by query `i`, in rank order)
/// into one ranked list of database indices per query, checking every index against the lists.
public enum MatchPairsReader {
    public struct Entry: Equatable, Sendable {
        public let query: Int
        public let database: Int
        public let score: Double
    }

    /// All lines of the file, validated: `query < queryCount`, `database < databaseCount`.
    public static func entries(path: String, queryCount: Int, databaseCount: Int,
                               queryWhat: String = "query list", databaseWhat: String = "image list") throws -> [Entry] {
        var entries: [Entry] = []
        for (number, line) in try TextList.read(path, nonEmpty: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let query = Int(fields[0]), let database = Int(fields[1]) else {
                throw EvaluationError.malformedLine(path: path, line: number + 1, text: line)
            }
            let score = fields.count >= 3 ? Double(fields[2]) : nil
            guard fields.count < 3 || score != nil else {
                throw EvaluationError.malformedLine(path: path, line: number + 1, text: line)
            }
            guard (0..<queryCount).contains(query) else {
                throw EvaluationError.indexOutOfRange(path: path, line: number + 1, index: query, count: queryCount, what: queryWhat)
            }
            guard (0..<databaseCount).contains(database) else {
                throw EvaluationError.indexOutOfRange(path: path, line: number + 1, index: database,
                                                      count: databaseCount, what: databaseWhat)
            }
            entries.append(Entry(query: query, database: database, score: score ?? .nan))
        }
        return entries
    }

    /// Ranked database indices per query, in file order (the seed appends in reading order).
    public static func rankedLists(path: String, queryCount: Int, databaseCount: Int,
                                   queryWhat: String = "query list", databaseWhat: String = "image list") throws -> [[Int]] {
        var lists = [[Int]](repeating: [], count: queryCount)
        for entry in try entries(path: path, queryCount: queryCount, databaseCount: databaseCount,
                                 queryWhat: queryWhat, databaseWhat: databaseWhat) {
            lists[entry.query].append(entry.database)
        }
        return lists
    }
}

/// Per-query average precisions and their mean, as every benchmark reports them.
public struct BenchmarkResult: Equatable, Sendable {
    public struct Query: Equatable, Sendable {
        public let name: String
        public let averagePrecision: Double
        /// Relevance of each entry of the ranked list as it was scored (Oxford junk and the
        /// Holidays query itself removed), for precision–recall curves.
        public var hits: [Bool] = []
        /// The recall denominator: number of relevant images (0 when unknown).
        public var relevantCount: Int = 0
    }

    public let queries: [Query]

    /// Arithmetic mean over queries in float64 (oxford_bench.py's `np.array(aps).mean()`).
    public var meanAveragePrecision: Double {
        queries.isEmpty ? 0 : queries.map(\.averagePrecision).reduce(0, +) / Double(queries.count)
    }

    public init(queries: [Query]) { self.queries = queries }
}

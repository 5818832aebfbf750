import Foundation
import MirrorRetrieval
import TestSupport
import XCTest

/// The cases of `Fixtures/retrieval/cases.tsv` (written by Fixtures/scripts/make_retrieval_fixtures.py)
/// and helpers to run and compare them.
struct RetrievalCase {
    var name: String
    var databaseList: String
    var queryList: String?
    var top: Int
    var aml: Bool
    var euclidean: Bool
    var aggregation: FeatureSet.Aggregation
    var pca: PCAConfig
    var qe: Int
    var et: Int

    static let directory = TestPaths.fixtures.appendingPathComponent("retrieval")

    static func all() throws -> [RetrievalCase] {
        let text = try String(contentsOf: directory.appendingPathComponent("cases.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func optional(_ s: String) -> String? { s == "-" ? nil : s }
            let solver = PCAConfig.Solver(rawValue: f[9]) ?? .exact
            let pca = PCAConfig(outDim: optional(f[7]).flatMap(Int.init), threshold: optional(f[8]).flatMap(Double.init),
                                file: optional(f[10]).map { directory.appendingPathComponent($0).path }, solver: solver)
            return RetrievalCase(name: f[0], databaseList: f[1], queryList: optional(f[2]), top: Int(f[3])!,
                                 aml: f[4] == "1", euclidean: f[5] == "1",
                                 aggregation: FeatureSet.Aggregation(rawValue: f[6])!, pca: pca,
                                 qe: Int(f[11])!, et: Int(f[12])!)
        }
    }

    /// `mirror index` + `mirror query` through the library API.
    func run(solver: PCAConfig.Solver? = nil, memoryBudget: Int = 1 << 30) throws -> (results: [[Match]], regions: Int) {
        let root = Self.directory.path
        var config = pca
        if let solver { config.solver = solver }
        let features = try FeatureSet.load(listFile: root + "/" + databaseList, root: root, aggregation: aggregation)
        let index = try RetrievalIndex.build(features: features, pca: config, normalizeInput: !euclidean)
        var queries: [Float]?
        if let queryList {
            queries = try index.prepareQueries(FeatureSet.load(listFile: root + "/" + queryList, root: root,
                                                               aggregation: aggregation))
        }
        let results = QueryExpansion.run(matcher: index.matcher(memoryBudget: memoryBudget), queries: queries, top: top,
                                         aml: aml, metric: euclidean ? .euclidean : .cosine, qe: qe, rounds: et)
        return (results, index.regions)
    }

    func expectedText() throws -> String {
        try String(contentsOf: Self.directory.appendingPathComponent("expected/\(name).txt"), encoding: .utf8)
    }
}

/// Asserts two match_pairs texts have the same lines `i idx`, in order, and scores within `tolerance`.
func assertSameMatchPairs(_ actual: String, _ expected: String, tolerance: Double = 1e-6, _ label: String,
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(actual.hasSuffix("\n"), "\(label): trailing newline", file: file, line: line)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertEqual(a.count, e.count, "\(label): line count", file: file, line: line)
    var worst = 0.0
    for (x, y) in zip(a, e) {
        let xs = x.split(separator: " "), ys = y.split(separator: " ")
        guard xs.count == 3, ys.count == 3, xs[0] == ys[0], xs[1] == ys[1] else {
            XCTFail("\(label): '\(x)' differs from expected '\(y)'", file: file, line: line)
            return
        }
        worst = max(worst, abs(Double(xs[2])! - Double(ys[2])!))
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(label): largest score difference", file: file, line: line)
}

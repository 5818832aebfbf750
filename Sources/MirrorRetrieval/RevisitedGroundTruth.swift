import Foundation
import MirrorCore

/// The revisited Oxford/Paris ground truth, `gnd_roxford5k.pkl` / `gnd_rparis6k.pkl` from the
/// revisitop project (Radenović, Iscen, Tolias, Avrithis, Chum: "Revisiting Oxford and Paris:
/// Large-Scale Image Retrieval Benchmarking", CVPR 2018), which users download themselves.
///
/// The file is a pickled dict `{'imlist': [str], 'qimlist': [str], 'gnd': [{'bbx', 'easy',
/// 'hard', 'junk'}]}`: database and query image names (no extension), and per query its bounding
/// box `[x1, y1, x2, y2]` (or None) and the indices into `imlist` of its easy, hard and junk
/// images. The index lists may be Python lists of ints, lists of NumPy scalars or NumPy integer
/// arrays. It is read by `PickleMachine` with `NumPyPickleGlobals`: nothing in the file runs.
public struct RevisitedGroundTruth: Sendable {
    public struct Query: Equatable, Sendable {
        public let name: String
        /// `[x1, y1, x2, y2]` in pixels of the full image, nil when the file has None.
        public let boundingBox: [Double]?
        public let easy: [Int]
        public let hard: [Int]
        public let junk: [Int]

        public init(name: String, boundingBox: [Double]?, easy: [Int], hard: [Int], junk: [Int]) {
            self.name = name
            self.boundingBox = boundingBox
            self.easy = easy
            self.hard = hard
            self.junk = junk
        }
    }

    public let imageNames: [String]
    public let queries: [Query]

    /// - Throws: `EvaluationError.missingGroundTruth` when `path` does not exist,
    ///   `EvaluationError.invalidGroundTruth(path:reason:)` for anything but the structure above.
    public static func read(path: String) throws -> RevisitedGroundTruth {
        let bytes: [UInt8]
        guard FileManager.default.fileExists(atPath: path) else { throw EvaluationError.missingGroundTruth(path: path) }
        bytes = try AtomicFile.read(path)
        func fail(_ reason: String) -> EvaluationError { .invalidGroundTruth(path: path, reason: reason) }
        do {
            return try PickleMachine.run(bytes, globals: NumPyPickleGlobals()) { root in
                guard case .dict(let dict) = root else { throw fail("the pickle holds a \(root.kind), not a dict") }
                func entry(_ key: String, in dict: PickleDict, _ context: String = "") throws -> PickleValue {
                    guard let value = dict.value(forText: key) else { throw fail("no '\(key)' entry\(context)") }
                    return value
                }
                let images = try strings(try entry("imlist", in: dict), "imlist", fail)
                let queryNames = try strings(try entry("qimlist", in: dict), "qimlist", fail)
                guard case .list(let gnd) = try entry("gnd", in: dict) else { throw fail("'gnd' is not a list") }
                guard gnd.items.count == queryNames.count else {
                    throw fail("'gnd' has \(gnd.items.count) entries for \(queryNames.count) queries")
                }
                let queries = try zip(queryNames, gnd.items).map { name, item -> Query in
                    guard case .dict(let fields) = item else { throw fail("the 'gnd' entry of \(name) is a \(item.kind)") }
                    let context = " for query \(name)"
                    func indices(_ key: String) throws -> [Int] {
                        let values = try integers(try entry(key, in: fields, context), "'\(key)'\(context)", fail)
                        if let bad = values.first(where: { !(0..<images.count).contains($0) }) {
                            throw fail("'\(key)'\(context) holds \(bad), not an index into imlist (\(images.count) entries)")
                        }
                        return values
                    }
                    var box: [Double]?
                    if let value = fields.value(forText: "bbx"), !isNone(value) {
                        box = try numbers(value, "'bbx'\(context)", fail)
                        guard box!.count == 4 else { throw fail("'bbx'\(context) has \(box!.count) values, expected 4") }
                    }
                    return Query(name: name, boundingBox: box, easy: try indices("easy"), hard: try indices("hard"),
                                 junk: try indices("junk"))
                }
                return RevisitedGroundTruth(imageNames: images, queries: queries)
            }.result
        } catch let error as PickleError {
            throw fail(error.description)
        } catch let refusal as PickleError.Refusal {
            throw fail(refusal.reason)
        }
    }

    private static func isNone(_ value: PickleValue) -> Bool {
        if case .none = value { return true }
        return false
    }

    /// Items of a list or tuple.
    private static func items(_ value: PickleValue) -> [PickleValue]? {
        switch value {
        case .list(let list): return list.items
        case .tuple(let items): return items
        default: return nil
        }
    }

    private static func strings(_ value: PickleValue, _ what: String, _ fail: (String) -> EvaluationError) throws -> [String] {
        guard let items = items(value) else { throw fail("'\(what)' is a \(value.kind), not a list of names") }
        return try items.map {
            guard let text = $0.text else { throw fail("'\(what)' holds a \($0.kind), not a name") }
            return text
        }
    }

    /// A list/tuple of ints (Python ints or NumPy scalars) or a 1-D NumPy integer array.
    private static func integers(_ value: PickleValue, _ what: String, _ fail: (String) -> EvaluationError) throws -> [Int] {
        if case .object(let object) = value, let array = object as? NumPyArray {
            guard array.shape.count == 1, array.dtype?.isInteger == true else {
                throw fail("\(what) is a NumPy array of shape \(array.shape) and dtype \(array.dtype?.code ?? "?"), expected 1-D integers")
            }
            return try array.integers()
        }
        guard let items = items(value) else { throw fail("\(what) is a \(value.kind), not a list of indices") }
        return try items.map {
            guard case .int(let n) = $0 else { throw fail("\(what) holds a \($0.kind), not an index") }
            return n
        }
    }

    /// A list/tuple of numbers or a 1-D NumPy numeric array.
    private static func numbers(_ value: PickleValue, _ what: String, _ fail: (String) -> EvaluationError) throws -> [Double] {
        if case .object(let object) = value, let array = object as? NumPyArray {
            guard array.shape.count == 1 else { throw fail("\(what) is a NumPy array of shape \(array.shape)") }
            return try array.doubles()
        }
        guard let items = items(value) else { throw fail("\(what) is a \(value.kind), not a list of numbers") }
        return try items.map {
            switch $0 {
            case .float(let x): return x
            case .int(let n): return Double(n)
            default: throw fail("\(what) holds a \($0.kind), not a number")
            }
        }
    }
}

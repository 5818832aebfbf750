import Foundation
import MirrorCore

/// Regional features of a list of images, read the way the seed's `read_feature` reads them
/// (SPEC §4): each `.npy` holds a float `[D, R]` array; unit axes are squeezed; the array is
/// transposed to `[R, D]` rows; `--rmac` sums the rows and `--mac` keeps row 0; R and D come from
/// the first file and every later file must have the same squeezed shape.
///
/// Layout: `values` is row-major `[count · regions, dims]` in float64 (the seed's working precision
/// for normalisation and PCA); image `n`, region `r` is row `n · regions + r`.
public struct FeatureSet: Sendable {
    /// How an image's regional vectors become its rows.
    public enum Aggregation: String, CaseIterable, Sendable {
        /// All R regional vectors (PR-MAC).
        case regional
        /// The sum of the regional vectors, one row per image (`--rmac`).
        case rmac
        /// Only the first regional vector, one row per image (`--mac`).
        case mac
    }

    /// The list entries as given (relative to `root` when one was given).
    public var entries: [String]
    /// The files actually read (`root` joined like Python's `os.path.join`).
    public var paths: [String]
    /// Rows per image: R for `.regional`, 1 for `.rmac`/`.mac`.
    public var regions: Int
    /// Vector dimension D.
    public var dims: Int
    public var aggregation: Aggregation
    /// `[count · regions, dims]`, row-major.
    public var values: [Double]

    /// Number of images.
    public var count: Int { paths.count }
    /// Number of rows (`count · regions`).
    public var rows: Int { count * regions }

    /// The seed's image names: file basenames without their extension.
    public var names: [String] { entries.map(FeatureSet.stem) }

    public init(entries: [String], paths: [String], regions: Int, dims: Int, aggregation: Aggregation,
                values: [Double]) {
        precondition(entries.count == paths.count && values.count == paths.count * regions * dims,
                     "feature values do not match \(paths.count) images × \(regions) regions × \(dims) dims")
        self.entries = entries
        self.paths = paths
        self.regions = regions
        self.dims = dims
        self.aggregation = aggregation
        self.values = values
    }

    /// Reads a list file (one path per line; blank lines and surrounding spaces ignored) and loads it.
    /// Throws `RetrievalError` naming the list or the offending feature file.
    public static func load(listFile: String, root: String? = nil, aggregation: Aggregation = .regional) throws -> FeatureSet {
        try load(entries: try entries(listFile: listFile), root: root, aggregation: aggregation, listName: listFile)
    }

    /// The lines of a feature list.
    /// - Throws: `RetrievalError.unreadableFeature` naming the list, `.emptyFeatureList`.
    public static func entries(listFile: String) throws -> [String] {
        let entries: [String]
        do {
            entries = try TextList.read(listFile, nonEmpty: false)
        } catch TextListError.unreadable(_, let reason) {
            throw RetrievalError.unreadableFeature(path: listFile, reason: reason)
        }
        guard !entries.isEmpty else { throw RetrievalError.emptyFeatureList(list: listFile) }
        return entries
    }

    /// Loads the features named by `entries` (joined to `root` when given).
    /// - Throws: `RetrievalError.emptyFeatureList`, `.unreadableFeature`, `.invalidFeatureShape`,
    ///   `.featureShapeMismatch`, each naming the file.
    public static func load(entries: [String], root: String? = nil, aggregation: Aggregation = .regional,
                            listName: String = "feature list") throws -> FeatureSet {
        guard !entries.isEmpty else { throw RetrievalError.emptyFeatureList(list: listName) }
        let paths = entries.map { TextList.join(root, $0) }
        var values: [Double] = []
        var firstShape: [Int] = []
        var regions = 1, dims = 0
        for (n, path) in paths.enumerated() {
            let array: NpyArray
            do {
                array = try NpyFile.read(path)
            } catch let error as AtomicFileError {
                if case .cannotRead(_, let reason) = error { throw RetrievalError.unreadableFeature(path: path, reason: reason) }
                throw RetrievalError.unreadableFeature(path: path, reason: "\(error)")
            } catch {
                throw RetrievalError.unreadableFeature(path: path, reason: "\(error)")
            }
            guard array.dtype != .bool else { throw RetrievalError.invalidFeatureShape(path: path, shape: array.shape) }
            let shape = array.shape.filter { $0 != 1 }  // np.squeeze
            guard shape.count == 1 || shape.count == 2, !shape.contains(0) else {
                throw RetrievalError.invalidFeatureShape(path: path, shape: array.shape)
            }
            if n == 0 {
                firstShape = shape
                dims = shape[0]
                let fileRegions = shape.count == 2 ? shape[1] : 1
                regions = aggregation == .regional ? fileRegions : 1
                values.reserveCapacity(paths.count * regions * dims)
            } else if shape != firstShape {
                throw RetrievalError.featureShapeMismatch(path: path, expected: firstShape, actual: shape)
            }
            appendRows(of: array, squeezedShape: shape, aggregation: aggregation, to: &values)
        }
        return FeatureSet(entries: entries, paths: paths, regions: regions, dims: dims,
                          aggregation: aggregation, values: values)
    }

    /// Appends one image's rows: `[D, R]` transposed to `[R, D]`, then aggregated.
    private static func appendRows(of array: NpyArray, squeezedShape shape: [Int], aggregation: Aggregation,
                                   to values: inout [Double]) {
        let d = shape[0], r = shape.count == 2 ? shape[1] : 1
        if array.dtype == .float32 {
            let data = array.floats()
            if aggregation == .rmac && r > 1 {
                // np.sum(feat.T, axis=0) on float32 data: NumPy's pairwise sum along the contiguous R axis.
                for k in 0..<d { values.append(Double(NumPyReduction.pairwiseSum(data[(k * r)..<(k * r + r)]))) }
                return
            }
            appendTransposed(data, d: d, r: r, onlyFirst: aggregation == .mac, to: &values)
        } else {
            let data = array.doubles()
            if aggregation == .rmac && r > 1 {
                for k in 0..<d { values.append(NumPyReduction.pairwiseSum(data[(k * r)..<(k * r + r)])) }
                return
            }
            appendTransposed(data, d: d, r: r, onlyFirst: aggregation == .mac, to: &values)
        }
    }

    private static func appendTransposed<T: BinaryFloatingPoint>(_ data: [T], d: Int, r: Int, onlyFirst: Bool,
                                                                 to values: inout [Double]) {
        let keep = onlyFirst ? 1 : r
        for region in 0..<keep {
            for k in 0..<d { values.append(Double(data[k * r + region])) }
        }
    }

    /// `os.path.splitext(os.path.basename(path))[0]`.
    public static func stem(_ path: String) -> String {
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex,
              base[..<dot].contains(where: { $0 != "." }) else { return base }
        return String(base[..<dot])
    }
}

/// NumPy's float reductions, reproduced so sums round exactly as the seed's did.
enum NumPyReduction {
    /// `np.add.reduce` along a contiguous axis: NumPy's pairwise summation (8 interleaved partial
    /// sums for 8…128 elements, halving above that, a plain loop below 8), in the element type.
    static func pairwiseSum<T: BinaryFloatingPoint>(_ a: ArraySlice<T>) -> T {
        let n = a.count, base = a.startIndex
        if n < 8 {
            var sum: T = 0
            for i in 0..<n { sum += a[base + i] }
            return sum
        }
        if n <= 128 {
            var r = (0..<8).map { a[base + $0] }
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[base + i + j] }
                i += 8
            }
            var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { sum += a[base + i]; i += 1 }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(a[base..<(base + half)]) + pairwiseSum(a[(base + half)..<(base + n)])
    }
}

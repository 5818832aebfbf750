import MirrorCore

/// Reads the seed's `--pca_file`: `np.load(f).item()` of a `.npy` whose 0-d object array holds the
/// dict `{'mean': [D], 'eigvec': [K, D], 'eigval': [K]}` (float32 or float64, either byte order,
/// C or Fortran order). The pickle inside is parsed by `RestrictedPickle`, which executes nothing.
/// The seed plugs these into a `PCA(whiten=True)` as `mean_`, `components_`, `explained_variance_`.
public enum SeedPCAFile {
    /// - Throws: `RetrievalError.invalidPCAFile(path:reason:)` for anything but that structure.
    public static func read(_ path: String) throws -> PCAModel {
        func fail(_ reason: String) -> RetrievalError { .invalidPCAFile(path: path, reason: reason) }
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw fail("\(error)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count > 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy file") }
        let headerStart = bytes[6] == 1 ? 10 : 12
        guard bytes[6] >= 1, bytes[6] <= 3, bytes.count > headerStart else { throw fail("unsupported .npy version \(bytes[6])") }
        let headerLength = bytes[6] == 1
            ? Int(bytes[8]) | Int(bytes[9]) << 8
            : (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard headerStart + headerLength < bytes.count else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard header.contains("'|O'") || header.contains("\"|O\"") else {
            throw fail("expected a pickled object array (descr '|O'), found header \(header.trimmingSpaces)")
        }
        let root: RestrictedPickle.Value
        do {
            root = try RestrictedPickle.load(Array(bytes[(headerStart + headerLength)...]))
        } catch let failure as RestrictedPickle.Failure {
            throw fail(failure.reason)
        }
        guard case .array(let outer) = root, outer.objects.count == 1, case .dict(let dict) = outer.objects[0] else {
            throw fail("the object array does not hold a single dict")
        }
        func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
            guard let entry = dict.items.first(where: { $0.key.text == key }) else { throw fail("no '\(key)' entry") }
            guard case .array(let box) = entry.value else { throw fail("'\(key)' is not a NumPy array") }
            return try decode(box, name: key, fail: fail)
        }
        let mean = try array("mean"), eigvec = try array("eigvec"), eigval = try array("eigval")
        let d = mean.values.count, k = eigval.values.count
        guard mean.shape.filter({ $0 != 1 }).count <= 1 else { throw fail("'mean' has shape \(mean.shape), expected [D]") }
        guard eigvec.values.count == k * d, eigvec.shape.last == d || (eigvec.shape.count == 1 && k == 1) else {
            throw fail("'eigvec' has shape \(eigvec.shape), expected [\(k), \(d)]")
        }
        return PCAModel(mean: mean.values, components: eigvec.values, explainedVariance: eigval.values)
    }

    private static func decode(_ box: RestrictedPickle.ArrayBox, name: String,
                               fail: (String) -> RetrievalError) throws -> (shape: [Int], values: [Double]) {
        guard let dtype = box.dtype else { throw fail("'\(name)' has no dtype") }
        let size: Int
        switch dtype.code.drop(while: { "<>|=".contains($0) }) {
        case "f4": size = 4
        case "f8": size = 8
        default: throw fail("'\(name)' has dtype \(dtype.code), expected f4 or f8")
        }
        let count = box.shape.reduce(1, *)
        guard box.data.count == count * size else { throw fail("'\(name)' holds \(box.data.count) bytes for shape \(box.shape)") }
        let bigEndian = dtype.byteOrder == ">" || dtype.code.hasPrefix(">")
        var values = (0..<count).map { index -> Double in
            var bits: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(box.data[index * size + (bigEndian ? size - 1 - b : b)])
                bits |= byte << (8 * UInt64(b))
            }
            return size == 4 ? Double(Float(bitPattern: UInt32(bits))) : Double(bitPattern: bits)
        }
        if box.fortranOrder && box.shape.count == 2 {
            let (rows, cols) = (box.shape[0], box.shape[1])
            values = (0..<(rows * cols)).map { values[($0 % cols) * rows + $0 / cols] }
        }
        return (box.shape, values)
    }
}

private extension String {
    var trimmingSpaces: String { String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\n" }).reversed()) }
}

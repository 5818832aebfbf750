import MirrorCore

/// Reads the seed's `--pca_file`: `np.load(f).item()` of a `.npy` whose 0-d object array holds the
/// dict `{'mean': [D], 'eigvec': [K, D], 'eigval': [K]}` (float32 or float64, either byte order,
/// C or Fortran order). The pickle inside is parsed by `PickleMachine` with `NumPyPickleGlobals`, which executes nothing.
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
        let pickle = Array(bytes[(headerStart + headerLength)...])
        do {
            return try PickleMachine.run(pickle, globals: NumPyPickleGlobals()) { root in
                guard case .object(let object) = root, let outer = object as? NumPyArray, outer.objects.count == 1,
                      case .dict(let dict) = outer.objects[0] else {
                    throw fail("the object array does not hold a single dict")
                }
                func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
                    guard let value = dict.value(forText: key) else { throw fail("no '\(key)' entry") }
                    guard case .object(let object) = value, let box = object as? NumPyArray else {
                        throw fail("'\(key)' is not a NumPy array")
                    }
                    guard let code = box.dtype?.baseCode, code == "f4" || code == "f8" else {
                        throw fail("'\(key)' has dtype \(box.dtype?.code ?? "none"), expected f4 or f8")
                    }
                    return (box.shape, try box.doubles())
                }
                let mean = try array("mean"), eigvec = try array("eigvec"), eigval = try array("eigval")
                let d = mean.values.count, k = eigval.values.count
                guard mean.shape.filter({ $0 != 1 }).count <= 1 else { throw fail("'mean' has shape \(mean.shape), expected [D]") }
                guard eigvec.values.count == k * d, eigvec.shape.last == d || (eigvec.shape.count == 1 && k == 1) else {
                    throw fail("'eigvec' has shape \(eigvec.shape), expected [\(k), \(d)]")
                }
                return PCAModel(mean: mean.values, components: eigvec.values, explainedVariance: eigval.values)
            }.result
        } catch let error as PickleError {
            if case .disallowedGlobal(let module, let name) = error { throw fail("refusing to call \(module).\(name)") }
            throw fail(error.description)
        } catch let refusal as PickleError.Refusal {
            throw fail(refusal.reason)
        }
    }
}

private extension String {
    var trimmingSpaces: String { String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\n" }).reversed()) }
}

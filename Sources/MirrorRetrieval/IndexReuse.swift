/// Rebuilding an index for a changed collection without re-reading what it already holds: the
/// path `mirror pairs` takes on a re-run (its index of the last run is kept beside the features).
///
/// Each image keeps the row block it had (matched by a content key, so a renamed or moved photo
/// keeps its vectors); only images the index does not hold are read and go through
/// `prepareQueries`, the per-row path of `build` and `writeAppending`. The result is therefore, byte
/// for byte, what a from-scratch build over `entries` with this index's PCA gives
/// (`PairsIncrementalTests`), in the order of `entries`; images gone from the collection drop out.
extension RetrievalIndex {
    /// The index over `entries` under this index's normalisation and PCA, and which entries were new.
    /// `key` maps an entry to its content identity (held entries are matched by it); `load` reads
    /// the features of the new entries (it is called once, and not at all when none are new).
    /// Memory: the new float32 vectors (`entries · regions · dims` floats) plus the new images' features.
    /// - Throws: what `load` and `prepareQueries` throw (`RetrievalError.queryShapeMismatch` for
    ///   features of another shape).
    public func reused(for entries: [String], key: (String) -> String,
                       load: ([String]) throws -> FeatureSet) throws -> (index: RetrievalIndex, isNew: [Bool]) {
        var heldRow: [String: Int] = [:]
        for (image, entry) in self.entries.enumerated() where heldRow[key(entry)] == nil { heldRow[key(entry)] = image }
        let source = entries.map { heldRow[key($0)] }
        let isNew = source.map { $0 == nil }
        let newEntries = entries.indices.filter { isNew[$0] }.map { entries[$0] }
        let added = newEntries.isEmpty ? [] : try prepareQueries(try load(newEntries))
        let block = regions * dims
        var values = [Float](repeating: 0, count: entries.count * block)
        values.withUnsafeMutableBufferPointer { target in
            vectors.withRows { reader in
                var next = 0
                for (image, held) in source.enumerated() {
                    let out = target.baseAddress! + image * block
                    if let held {
                        reader.copy(rows: held * regions, count: regions, to: out)
                    } else {
                        added.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + next * block, count: block) }
                        next += 1
                    }
                }
            }
        }
        let index = RetrievalIndex(entries: entries, regions: regions, inputDims: inputDims, aggregation: aggregation,
                                   normalizesInput: normalizesInput, pca: pca, vectors: RegionVectors(values, dims: dims))
        return (index, isNew)
    }
}

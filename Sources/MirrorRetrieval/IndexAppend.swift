/// `mirror index --add`: new images appended to an index under its own normalisation and PCA.
///
/// Why not refit: a PCA refitted on more images changes every stored vector (and every score), so
/// a collection that grows week by week would be re-whitened and re-matched each time. Appending
/// keeps the old vectors byte for byte; each new image goes through exactly the transform a
/// from-scratch build with the same PCA applies (`prepareQueries` is `build`'s per-row path), so
/// the result equals `mirror index` over the whole list with that PCA (`IndexAppendTests`).
/// `--refit-pca` is the other choice: a fresh build over every image.
///
/// Memory: the old vectors stay in the mapping and are streamed into the new file; only the new
/// images' vectors are held. The file is replaced atomically: a killed `--add` leaves the old one.
extension RetrievalIndex {
    /// Writes this index (read from `indexPath`, used in errors) with `features` appended to
    /// `out` (may be `indexPath`). Returns the number of images written.
    /// - Throws: `RetrievalError.alreadyIndexed` for an entry it holds, `.queryShapeMismatch` /
    ///   `.queryModeMismatch` for features of another shape or mode, `IndexFileError` writing.
    public func writeAppending(_ features: consuming FeatureSet, indexPath: String, to out: String) throws -> Int {
        try rejectHeld(features.entries, indexPath: indexPath)
        var contents = IndexFileContents(self)
        contents.entries += features.entries
        let added = RegionVectors(try prepareQueries(features), dims: dims)
        contents.parts.append(vectors.precision == .float16 ? added.toHalf() : added)
        try Self.write(contents, to: out)
        return contents.entries.count
    }

    /// Throws `RetrievalError.alreadyIndexed` for the first of `entries` this index holds.
    public func rejectHeld(_ entries: [String], indexPath: String) throws {
        let held = Set(self.entries)
        if let repeated = entries.first(where: held.contains) {
            throw RetrievalError.alreadyIndexed(entry: repeated, index: indexPath)
        }
    }
}

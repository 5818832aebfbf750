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
    /// Appends `features` to the index at `path` and writes the result to `out` (may be `path`).
    /// Returns the number of images before and after.
    /// - Throws: `IndexFileError` for the index, `RetrievalError.alreadyIndexed` for an entry it
    ///   holds, `.queryShapeMismatch` / `.queryModeMismatch` for features of another shape or mode.
    public static func append(_ features: consuming FeatureSet, to path: String, out: String) throws -> (before: Int, after: Int) {
        let index = try read(from: path)
        let held = Set(index.entries)
        if let repeated = features.entries.first(where: held.contains) {
            throw RetrievalError.alreadyIndexed(entry: repeated, index: path)
        }
        let entries = features.entries
        var added = RegionVectors(try index.prepareQueries(features), dims: index.dims)
        if index.vectors.precision == .float16 { added = added.toHalf() }
        var contents = IndexFileContents(index)
        contents.entries += entries
        contents.parts.append(added)
        try write(contents, to: out)
        return (index.count, contents.entries.count)
    }
}

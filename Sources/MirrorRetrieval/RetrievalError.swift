/// Errors from reading features, fitting or loading PCA, and matching. Every case that comes from
/// a file names it, so the CLI can print `mirror: error: <description>` without more context.
public enum RetrievalError: Error, Equatable, CustomStringConvertible {
    /// The feature (or query) list has no entries.
    case emptyFeatureList(list: String)
    /// A feature file is missing, unreadable or not a valid `.npy`.
    case unreadableFeature(path: String, reason: String)
    /// A feature file's array is not `[D, R]` (or `[D]`) after squeezing unit axes.
    case invalidFeatureShape(path: String, shape: [Int])
    /// A feature file's squeezed shape differs from the first file's (R and D come from the first file).
    case featureShapeMismatch(path: String, expected: [Int], actual: [Int])
    /// A feature holds NaN or ±∞ where no normalisation cleans it (the Euclidean path); names the file.
    case nonFiniteFeature(path: String)
    /// Query (or appended) features do not have the index's regions per image or input dimension.
    case queryShapeMismatch(path: String, expectedRegions: Int, expectedDims: Int, actualRegions: Int, actualDims: Int)
    /// Queries were read with a different `--rmac`/`--mac` mode or normalisation than the index.
    case queryModeMismatch(path: String, reason: String)
    /// PCA asked for more components than the data allows (sklearn: `n_components ≤ min(rows, D)`).
    case pcaTooManyComponents(requested: Int, available: Int)
    /// A `--pca-file` is not the seed's `{'mean','eigvec','eigval'}` dict `.npy`, or its shapes disagree.
    case invalidPCAFile(path: String, reason: String)
    /// `index --add` was given an image the index already holds (the same feature-list line).
    case alreadyIndexed(entry: String, index: String)
    /// A LAPACK routine reported `info ≠ 0` (negative: bad argument; positive: no convergence).
    case lapackFailed(routine: String, info: Int)

    public var description: String {
        switch self {
        case .emptyFeatureList(let list): return "\(list): the feature list is empty"
        case .unreadableFeature(let path, let reason): return "\(path): cannot read feature: \(reason)"
        case .invalidFeatureShape(let path, let shape):
            return "\(path): feature has shape \(shape), expected [D, R] or [D]"
        case .featureShapeMismatch(let path, let expected, let actual):
            return "\(path): feature has shape \(actual) after squeezing, but the first file has \(expected)"
        case .nonFiniteFeature(let path): return "\(path): feature contains NaN or infinity"
        case .queryShapeMismatch(let path, let er, let ed, let ar, let ad):
            return "\(path): features have \(ar) regions × \(ad) dims, the index has \(er) regions × \(ed) dims"
        case .queryModeMismatch(let path, let reason): return "\(path): \(reason)"
        case .pcaTooManyComponents(let requested, let available):
            return "PCA: \(requested) components requested, but the data allows at most \(available)"
        case .invalidPCAFile(let path, let reason): return "\(path): not a usable PCA file: \(reason)"
        case .lapackFailed(let routine, let info): return "LAPACK \(routine) failed (info = \(info))"
        case .alreadyIndexed(let entry, let index): return "\(entry): already in the index \(index)"
        }
    }
}

/// A searchable database: the whitened float32 region vectors of every image plus what is
/// needed to bring queries into the same space (the seed's first half of `deep_query.py`).
///
/// Building follows the seed: read features (`FeatureSet`), L2-normalise rows unless the index is
/// for Euclidean matching, fit PCA whitening on all database rows when `PCAConfig` enables it
/// (`PCAConfig.isEnabled`), and store `float32` rows. Queries go through `prepareQueries`, which
/// applies the same normalisation and the database's PCA.
public struct RetrievalIndex: Sendable {
    /// The feature-list entries of the database images, in order (their position is the index
    /// printed in `match_pairs`).
    public var entries: [String]
    /// Rows per image (R; 1 with `--rmac`/`--mac`).
    public var regions: Int
    /// Dimension of the features read (before PCA).
    public var inputDims: Int
    public var aggregation: FeatureSet.Aggregation
    /// Whether input rows were L2-normalised before PCA (false for Euclidean indexes, as the seed).
    public var normalizesInput: Bool
    /// The fitted (or loaded) PCA, nil when PCA was gated off.
    public var pca: PCAModel?
    /// `[count · regions, dims]` row-major, L2-normalised when PCA or normalisation applied;
    /// float32, or float16 in a half-precision index (`halfPrecision()`, index format 2).
    public var vectors: RegionVectors

    /// Vector dimension after PCA.
    public var dims: Int { pca?.outputDims ?? inputDims }
    /// Number of images.
    public var count: Int { entries.count }
    /// The seed's image names (basenames without extension).
    public var names: [String] { entries.map(FeatureSet.stem) }

    public init(entries: [String], regions: Int, inputDims: Int, aggregation: FeatureSet.Aggregation,
                normalizesInput: Bool, pca: PCAModel?, vectors: RegionVectors) {
        precondition(pca.map { $0.inputDims == inputDims } ?? true, "PCA input dimension differs from the features'")
        precondition(vectors.rows == entries.count * regions && vectors.dims == (pca?.outputDims ?? inputDims), "vector count mismatch")
        self.entries = entries
        self.regions = regions
        self.inputDims = inputDims
        self.aggregation = aggregation
        self.normalizesInput = normalizesInput
        self.pca = pca
        self.vectors = vectors
    }

    /// Builds the index from database features. `normalizeInput: false` is the seed's
    /// `--euclidean_dist` (no L2 normalisation before PCA; non-finite values are then rejected).
    /// Memory: the float64 features are centred in place, so the peak is about the features plus
    /// the output (plus the D×D covariance, or the seed solver's small sketches).
    /// `threads` caps OpenBLAS/LAPACK threads for the PCA (default: OpenBLAS's own setting).
    /// - Throws: `RetrievalError.nonFiniteFeature`, `.pcaTooManyComponents`, `.invalidPCAFile`, `.lapackFailed`.
    public static func build(features: consuming FeatureSet, pca config: PCAConfig,
                             normalizeInput: Bool = true, threads: Int? = nil) throws -> RetrievalIndex {
        var values = features.values
        features.values = []
        try prepare(&values, paths: features.paths, regions: features.regions, dims: features.dims, normalize: normalizeInput)
        let (dims, images) = (features.dims, features.count)
        let fit = { () throws -> (PCAModel?, [Float]) in
            let model = try PCAWhitening.fitCentering(&values, dims: dims, databaseImages: images, config: config)
            return (model, model.map { $0.whitenCentered(values) } ?? values.map { Float($0) })
        }
        let (model, vectors) = try threads.map { try DenseLinearAlgebra.withBLASThreads($0, fit) } ?? fit()
        return RetrievalIndex(entries: features.entries, regions: features.regions, inputDims: features.dims,
                              aggregation: features.aggregation, normalizesInput: normalizeInput, pca: model,
                              vectors: RegionVectors(vectors, dims: model?.outputDims ?? dims))
    }

    /// Query features brought into the index's space: same normalisation, the index's PCA.
    /// - Throws: `RetrievalError.queryShapeMismatch` / `.queryModeMismatch` naming the first query
    ///   file when regions, dimension or `--rmac`/`--mac` differ; `.nonFiniteFeature`.
    public func prepareQueries(_ features: consuming FeatureSet) throws -> [Float] {
        let first = features.paths.first ?? "query list"
        guard features.regions == regions, features.dims == inputDims else {
            throw RetrievalError.queryShapeMismatch(path: first, expectedRegions: regions, expectedDims: inputDims,
                                                    actualRegions: features.regions, actualDims: features.dims)
        }
        guard features.aggregation == aggregation else {
            throw RetrievalError.queryModeMismatch(
                path: first, reason: "queries were read as '\(features.aggregation.rawValue)', the index as '\(aggregation.rawValue)'")
        }
        var values = features.values
        features.values = []
        try Self.prepare(&values, paths: features.paths, regions: regions, dims: inputDims, normalize: normalizesInput)
        guard let pca else { return values.map { Float($0) } }
        pca.center(&values)
        return pca.whitenCentered(values)
    }

    /// The seed's `read_feature` tail: `normalize` unless Euclidean (then reject NaN/∞, which
    /// nothing would clean and which would poison every distance).
    private static func prepare(_ values: inout [Double], paths: [String], regions: Int, dims: Int, normalize: Bool) throws {
        if normalize {
            L2Normalization.normalizeRows(&values, dims: dims)
        } else if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw RetrievalError.nonFiniteFeature(path: paths[bad / (regions * dims)])
        }
    }

    /// The same index with its vectors stored as float16 (half the bytes; scores move by < 1e-3,
    /// Docs/BENCHMARKS.md).
    public func halfPrecision() -> RetrievalIndex {
        var copy = self
        copy.vectors = vectors.toHalf()
        return copy
    }

    /// A matcher over this index's vectors.
    public func matcher(memoryBudget: Int = 1 << 30, threads: Int? = nil, shortlist: Int = 0) -> PRMACMatcher {
        var matcher = PRMACMatcher(database: vectors, regions: regions, dims: dims, memoryBudget: memoryBudget)
        if let threads { matcher.threads = max(1, threads) }
        matcher.shortlist = shortlist
        return matcher
    }
}

/// How `mirror index` whitens, with the seed's options (SPEC §4).
public struct PCAConfig: Equatable, Sendable {
    /// Which eigen-solver fits the PCA.
    public enum Solver: String, CaseIterable, Sendable {
        /// Covariance eigen-decomposition (LAPACK `dsyevd` on the D×D covariance); the exact PCA.
        case exact
        /// What the seed's sklearn 0.20 did: the randomized solver with `RandomState(0)` when
        /// `max(rows, D) > 500` and `K < 0.8·min(rows, D)`, otherwise a full SVD; `--pca-thresh`
        /// always uses the full SVD. Needed for score-level parity with published numbers.
        case seed
    }

    /// `--out-dim K`.
    public var outDim: Int?
    /// `--pca-thresh T`: keep the fewest components whose explained variance ratio reaches T.
    public var threshold: Double?
    /// `--pca-file`: a saved PCA (the seed's dict `.npy`), used instead of fitting.
    public var file: String?
    public var solver: Solver

    public init(outDim: Int? = nil, threshold: Double? = nil, file: String? = nil, solver: Solver = .exact) {
        self.outDim = outDim
        self.threshold = threshold
        self.file = file
        self.solver = solver
    }

    /// No PCA at all.
    public static let none = PCAConfig()

    /// The seed's `use_pca`: some PCA option is given **and** `len(db_images) > out_dim`, where a
    /// missing `out_dim` compares as smaller than every number (Python 2's `int > None` is True).
    /// So `--out-dim K` whitens only when the database has more than K **images** (not rows).
    public func isEnabled(databaseImages: Int) -> Bool {
        guard outDim != nil || threshold != nil || file != nil else { return false }
        guard let k = outDim else { return true }
        return databaseImages > k
    }
}

/// Fitting PCA whitening on database rows, with the seed's choice of what to fit:
/// a `--pca-file` wins; else `--out-dim K` fits K components; else `--pca-thresh T` picks the
/// dimension adaptively (sklearn 0.20: `k = searchsorted(cumsum(ratio), T, side='left') + 1`).
public enum PCAWhitening {
    /// Fits a PCA on row-major `[rows, dims]` float64 features (already L2-normalised as the
    /// seed does), or returns nil when `config` is gated off for `databaseImages` images.
    /// - Throws: `RetrievalError.pcaTooManyComponents`, `.invalidPCAFile`, `.lapackFailed`.
    public static func fit(_ values: [Double], dims: Int, databaseImages: Int, config: PCAConfig) throws -> PCAModel? {
        var centered = values
        return try fitCentering(&centered, dims: dims, databaseImages: databaseImages, config: config)
    }

    /// As `fit`, but centres `values` in place (so `model.whitenCentered(values)` needs no copy).
    /// When no model results, `values` is left untouched.
    static func fitCentering(_ values: inout [Double], dims: Int, databaseImages: Int, config: PCAConfig) throws -> PCAModel? {
        guard config.isEnabled(databaseImages: databaseImages) else { return nil }
        if let file = config.file {
            let model = try SeedPCAFile.read(file)
            guard model.inputDims == dims else {
                throw RetrievalError.invalidPCAFile(path: file, reason: "its mean has \(model.inputDims) dims, the features have \(dims)")
            }
            model.center(&values)
            return model
        }
        let rows = values.count / dims
        let mean = columnMeans(values, dims: dims)
        let model = PCAModel(mean: mean, components: [], explainedVariance: [])
        model.center(&values)
        let maxComponents = min(rows, dims)
        if let k = config.outDim {
            guard k >= 1, k <= maxComponents else {
                throw RetrievalError.pcaTooManyComponents(requested: k, available: maxComponents)
            }
            let fitted: (components: [Double], variance: [Double])
            switch config.solver {
            case .exact:
                fitted = try exactEigen(centered: values, rows: rows, dims: dims, keep: { _ in k })
            case .seed where SeedRandomizedPCA.usesRandomizedSolver(rows: rows, dims: dims, components: k):
                fitted = try SeedRandomizedPCA.randomized(centered: values, rows: rows, dims: dims, components: k)
            case .seed:
                fitted = try SeedRandomizedPCA.fullSVD(centered: values, rows: rows, dims: dims, keep: { _ in k })
            }
            return PCAModel(mean: mean, components: fitted.components, explainedVariance: fitted.variance)
        }
        let threshold = config.threshold ?? 1
        let keep = { (variance: [Double]) in adaptiveComponentCount(variance: variance, threshold: threshold) }
        let fitted = config.solver == .exact
            ? try exactEigen(centered: values, rows: rows, dims: dims, keep: keep)
            : try SeedRandomizedPCA.fullSVD(centered: values, rows: rows, dims: dims, keep: keep)
        return PCAModel(mean: mean, components: fitted.components, explainedVariance: fitted.variance)
    }

    /// `np.mean(X, axis=0)`: a sequential float64 sum down each column, divided by the row count.
    static func columnMeans(_ values: [Double], dims: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: dims)
        let rows = values.count / dims
        values.withUnsafeBufferPointer { x in
            for start in stride(from: 0, to: x.count, by: dims) {
                for j in 0..<dims { sum[j] += x[start + j] }
            }
        }
        return sum.map { $0 / Double(max(rows, 1)) }
    }

    /// The adaptive dimension for `--pca-thresh t`: the smallest k with `cumsum(ratio)[k−1] ≥ t`
    /// (sklearn 0.20's `searchsorted(…, side='left') + 1`), at most all components.
    /// `variance` is every component's explained variance in decreasing order.
    public static func adaptiveComponentCount(variance: [Double], threshold: Double) -> Int {
        let total: Double = NumPyReduction.pairwiseSum(variance[...])  // explained_variance_.sum()
        var cumulative = 0.0
        for (index, v) in variance.enumerated() {
            cumulative += v / total
            if cumulative >= threshold { return index + 1 }
        }
        return variance.count
    }

    /// The exact solver: eigen-decomposition of `XcᵀXc` (LAPACK `dsyevd`), eigenvalues / (rows − 1)
    /// as explained variance. Signs follow current sklearn (`svd_flip(u_based_decision=False)`):
    /// each component's largest-magnitude entry is positive. Negative rounding eigenvalues become 0.
    static func exactEigen(centered: [Double], rows: Int, dims: Int,
                           keep: ([Double]) -> Int) throws -> (components: [Double], variance: [Double]) {
        var gram = ColumnMajorMatrix(zeros: dims, dims)
        centered.withUnsafeBufferPointer { x in
            gram.values.withUnsafeMutableBufferPointer { c in
                // Row-major Xc [rows, dims] is column-major [dims, rows]: A·Aᵀ = XcᵀXc.
                DenseLinearAlgebra.dsyrk(n: dims, k: rows, a: x.baseAddress!, lda: dims, c: c.baseAddress!, ldc: dims)
            }
        }
        for j in 0..<dims { for i in (j + 1)..<max(j + 1, dims) { gram[i, j] = gram[j, i] } }
        let eigenvalues = try DenseLinearAlgebra.symmetricEigen(&gram)
        let denominator = Double(max(rows - 1, 1))
        // Components in decreasing order; only min(rows, dims) of them exist (sklearn's limit).
        let available = min(rows, dims)
        let order = (0..<dims).reversed().prefix(available)
        let allVariance = order.map { max(eigenvalues[$0], 0) / denominator }
        let k = min(keep(allVariance), available)
        var components = [Double](repeating: 0, count: k * dims)
        for (row, column) in order.prefix(k).enumerated() {
            var vector = (0..<dims).map { gram[$0, column] }
            flipToLargestPositive(&vector)
            components.replaceSubrange((row * dims)..<((row + 1) * dims), with: vector)
        }
        return (components, Array(allVariance.prefix(k)))
    }

    /// Multiplies `vector` by the sign of its largest-magnitude entry (first one on ties).
    static func flipToLargestPositive(_ vector: inout [Double]) {
        guard let pivot = signOfLargestMagnitude(vector), pivot < 0 else { return }
        for i in vector.indices { vector[i] = -vector[i] }
    }

    /// −1 or +1: the sign of the first entry of largest magnitude (nil for an empty vector).
    static func signOfLargestMagnitude<C: Collection>(_ vector: C) -> Double? where C.Element == Double {
        var best = -1.0, sign: Double?
        for value in vector where abs(value) > best {
            best = abs(value)
            sign = value < 0 ? -1 : 1
        }
        return sign
    }
}

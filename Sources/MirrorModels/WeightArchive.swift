import MirrorCore

/// A network's weights plus what is needed to use them: the contents of one mirror weight file
/// (layout in Docs/FORMATS.md, "HDF5 weight files").
///
/// Tensor names are the seed's TensorFlow variable names (SPEC §7: `conv1/kernel`,
/// `bn_conv1/moving_mean`, …) so that checking a file against an architecture is a name-for-name
/// comparison. Layouts are TensorFlow's: convolution kernels HWIO `[kh, kw, in, out]`, dense
/// kernels `[in, out]`, everything else 1-D. Converters from other formats (PyTorch OIHW,
/// checkpoints) produce this form; the models consume only this form.
public struct WeightArchive: Equatable, Sendable {
    /// Network name, e.g. "resnet-50", "googlenet", "efficientnet-lite0".
    public var architecture: String
    public var normalization: InputNormalization
    /// Batch-norm epsilon of the network (stored for every architecture; ignored by those
    /// without batch norm). The seed's TF 1.x ResNet effectively uses 1.001e-5 (SPEC quirk 4).
    public var bnEpsilon: Float
    /// Free text: where the weights came from and how they were converted.
    public var source: String
    /// Tensors by seed variable name.
    public var tensors: [String: Tensor]
    /// Training provenance of a `mirror train` snapshot (a JSON object: step, data, options,
    /// initial weights), nil for converted weights. Stored as the optional `training` attribute.
    public var training: String?
    /// The extraction settings the weights were validated at (optional `extraction` attribute);
    /// `mirror extract` and `mirror pairs` follow them unless flags override.
    public var extraction: ValidatedExtraction?
    /// A matchability calibration fitted on this model's scores (optional `calibration` attribute,
    /// JSON of `MirrorRetrieval.MatchabilityCalibration`; parsed and checked where it is used).
    public var calibration: String?
    /// The file this archive was read from, or "(in memory)"; named in validation errors and
    /// ignored by `==`.
    public var origin: String

    public init(architecture: String, normalization: InputNormalization, bnEpsilon: Float, source: String,
                tensors: [String: Tensor], training: String? = nil, extraction: ValidatedExtraction? = nil,
                calibration: String? = nil, origin: String = "(in memory)") {
        self.architecture = architecture
        self.calibration = calibration
        self.training = training
        self.extraction = extraction
        self.normalization = normalization
        self.bnEpsilon = bnEpsilon
        self.source = source
        self.tensors = tensors
        self.origin = origin
    }

    public static func == (lhs: WeightArchive, rhs: WeightArchive) -> Bool {
        lhs.architecture == rhs.architecture && lhs.normalization == rhs.normalization
            && lhs.bnEpsilon.bitPattern == rhs.bnEpsilon.bitPattern && lhs.source == rhs.source
            && lhs.tensors == rhs.tensors && lhs.training == rhs.training && lhs.extraction == rhs.extraction
            && lhs.calibration == rhs.calibration
    }

    /// Total number of weight values.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.count } }

    /// The content hash stored as `content_sha256`: lower-case hex SHA-256 over the tensors only
    /// (metadata may be edited freely). Byte sequence, for each tensor in ascending order of
    /// the UTF-8 bytes of its name:
    ///
    ///     u64le(byte length of name) ‖ name as UTF-8
    ///     ‖ u64le(rank) ‖ u64le(dim₀) ‖ … ‖ u64le(dimₙ₋₁)
    ///     ‖ every value as float32 little-endian, row-major
    ///
    /// The length prefixes make the sequence unambiguous; NaN payloads are hashed as stored.
    public var contentSHA256: String { Self.contentSHA256(of: tensors) }

    /// `contentSHA256` for a bare set of tensors.
    public static func contentSHA256(of tensors: [String: Tensor]) -> String {
        var hasher = SHA256()
        for name in tensors.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let tensor = tensors[name]!
            hasher.update(littleEndian64(UInt64(name.utf8.count)))
            hasher.update(Array(name.utf8))
            hasher.update(littleEndian64(UInt64(tensor.rank)))
            for extent in tensor.shape { hasher.update(littleEndian64(UInt64(extent))) }
            #if _endian(little)
            tensor.data.withUnsafeBytes { hasher.update($0) }
            #else
            tensor.data.map { $0.bitPattern.littleEndian }.withUnsafeBytes { hasher.update($0) }
            #endif
        }
        return SHA256.hex(hasher.finalize())
    }

    private static func littleEndian64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// Checks the tensor names and shapes against an architecture's table, collecting every
    /// difference before failing so that a bad conversion is diagnosed in one run.
    ///
    /// - Throws: `WeightError.mismatch` naming `origin`, with the missing, unexpected and
    ///   wrongly shaped tensors, each sorted by name.
    public func validate(expected: [String: [Int]]) throws {
        let missing = expected.keys.filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { expected[$0] == nil }.sorted()
        let mismatched = expected.keys.sorted().compactMap { name -> ShapeMismatch? in
            guard let shape = expected[name], let actual = tensors[name]?.shape, actual != shape else { return nil }
            return ShapeMismatch(name: name, expected: shape, actual: actual)
        }
        guard missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty else {
            throw WeightError.mismatch(path: origin, missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
    }

    /// Whether `name` can be stored as an HDF5 path and read back unchanged: non-empty parts
    /// separated by single `/`, no leading `/`, no `.` or `..` parts.
    static func isStorableName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }
}

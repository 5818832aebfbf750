import MirrorCore

/// The region vectors of an index or of a query set, `[rows, dims]` row-major, in the precision
/// they are stored in: float32 (index format 1, queries) or float16 (index format 2, half the
/// bytes of a large database).
///
/// Matching always computes in float32: kernels ask a `RowReader` for a block of rows and get a
/// pointer to the stored floats (float32, no copy) or to a scratch buffer the block was widened
/// into (float16). Widening a block costs `rows·dims` conversions against `2·rows·dims·n` FLOPs
/// of the GEMM that consumes it, so it never shows in a profile.
public struct RegionVectors: @unchecked Sendable {
    public enum Precision: String, CaseIterable, Sendable {
        case float32
        case float16

        /// Bytes per stored value.
        public var size: Int { self == .float32 ? 4 : 2 }
    }

    enum Storage {
        case float32([Float])
        case float16([Float16])
        /// Values inside a read-only mapping (index format 2), `offset` bytes from its start.
        case mapped(MappedFile, offset: Int, precision: Precision)
    }

    let storage: Storage
    public let rows: Int
    public let dims: Int

    public init(_ values: [Float], dims: Int) {
        precondition(dims > 0 && values.count % dims == 0, "\(values.count) values are not rows of \(dims)")
        storage = .float32(values)
        rows = values.count / dims
        self.dims = dims
    }

    public init(half values: [Float16], dims: Int) {
        precondition(dims > 0 && values.count % dims == 0, "\(values.count) values are not rows of \(dims)")
        storage = .float16(values)
        rows = values.count / dims
        self.dims = dims
    }

    init(mapped file: MappedFile, offset: Int, rows: Int, dims: Int, precision: Precision) {
        precondition(offset >= 0 && offset + rows * dims * precision.size <= file.count, "mapped vectors run past the file")
        storage = .mapped(file, offset: offset, precision: precision)
        self.rows = rows
        self.dims = dims
    }

    public var precision: Precision {
        switch storage {
        case .float32: return .float32
        case .float16: return .float16
        case .mapped(_, _, let precision): return precision
        }
    }

    /// The same vectors rounded to float16 (round to nearest even; values beyond ±65504 become ±∞,
    /// which whitened, normalised vectors never reach).
    public func toHalf() -> RegionVectors {
        if precision == .float16 { return self }
        var half = [Float16](repeating: 0, count: rows * dims)
        withRows { reader in
            half.withUnsafeMutableBufferPointer { out in
                for i in 0..<(rows * dims) { out[i] = Float16(reader.float32Base![i]) }
            }
        }
        return RegionVectors(half: half, dims: dims)
    }

    /// Every value as float32 (a copy; for tests and small sets).
    public func float32Values() -> [Float] {
        withRows { reader in
            [Float](unsafeUninitializedCapacity: rows * dims) { buffer, initialized in
                if rows > 0 { reader.copy(rows: 0, count: rows, to: buffer.baseAddress!) }
                initialized = rows * dims
            }
        }
    }

    /// Runs `body` with read access to the stored values (valid only inside `body`).
    /// Rows `rows` as float32 (a copy).
    public func slice(rows range: Range<Int>) -> RegionVectors {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside \(rows)")
        let values = [Float](unsafeUninitializedCapacity: range.count * dims) { buffer, initialized in
            withRows { $0.copy(rows: range.lowerBound, count: range.count, to: buffer.baseAddress!) }
            initialized = range.count * dims
        }
        return RegionVectors(values, dims: dims)
    }

    public func withRows<R>(_ body: (RowReader) throws -> R) rethrows -> R {
        switch storage {
        case .float32(let values):
            return try values.withUnsafeBytes { try body(RowReader(base: $0.baseAddress, dims: dims, precision: .float32)) }
        case .float16(let values):
            return try values.withUnsafeBytes { try body(RowReader(base: $0.baseAddress, dims: dims, precision: .float16)) }
        case .mapped(let file, let offset, let precision):
            return try body(RowReader(base: file.base.map { UnsafeRawPointer($0) + offset }, dims: dims, precision: precision))
        }
    }
}

/// Read access to stored rows as float32.
public struct RowReader {
    let base: UnsafeRawPointer?
    let dims: Int
    let precision: RegionVectors.Precision

    /// The stored float32 values themselves (nil for float16 storage).
    var float32Base: UnsafePointer<Float>? {
        precision == .float32 ? base?.assumingMemoryBound(to: Float.self) : nil
    }

    /// Rows `start ..< start + count` as float32: the stored floats, or `scratch` (room for
    /// `count · dims` floats) after widening float16 into it.
    @inline(__always)
    func rows(_ start: Int, count: Int, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if let float32Base { return float32Base + start * dims }
        copy(rows: start, count: count, to: scratch)
        return UnsafePointer(scratch)
    }

    /// Copies rows `start ..< start + count` into `target` as float32.
    @inline(__always)
    func copy(rows start: Int, count: Int, to target: UnsafeMutablePointer<Float>) {
        guard let base, count > 0 else { return }
        if let float32Base {
            target.update(from: float32Base + start * dims, count: count * dims)
        } else {
            HalfConversion.widen(base.assumingMemoryBound(to: Float16.self) + start * dims, into: target, count: count * dims)
        }
    }
}

/// float16 → float32 in 8-lane blocks (F16C's `vcvtph2ps` when the build targets it).
enum HalfConversion {
    @inline(__always)
    static func widen(_ source: UnsafePointer<Float16>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let half = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float16>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: SIMD8<Float>(half), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            target[i] = Float(source[i])
            i += 1
        }
    }
}

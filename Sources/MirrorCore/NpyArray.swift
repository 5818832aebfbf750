/// An n-dimensional array as stored in a NumPy `.npy` file (SPEC §6.1): its element type, shape
/// and raw little-endian bytes in **C order** (Fortran-ordered files are reordered on read).
///
/// The seed stores each image's regional features as a float32 C-order `[D, R]` array; mirror
/// reads and writes that layout bit for bit.
public struct NpyArray: Equatable, Sendable {
    public let dtype: NpyDType
    public let shape: [Int]
    /// `count · dtype.size` bytes, little-endian, C order.
    public let bytes: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    public init(dtype: NpyDType, shape: [Int], bytes: [UInt8]) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.size, "byte count does not match shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
    }

    public init(doubles: [Double], shape: [Int]) {
        self.init(dtype: .float64, shape: shape, bytes: doubles.withUnsafeBytes { Array($0) })
    }

    public init(uint8 values: [UInt8], shape: [Int]) {
        self.init(dtype: .uint8, shape: shape, bytes: values)
    }

    public init(tensor: Tensor) {
        self.init(floats: tensor.data, shape: tensor.shape)
    }

    /// The values converted to Float (exact for float32; rounded for float64 and wide integers).
    public func floats() -> [Float] {
        if dtype == .float32 { return load(Float.self) }
        return doubles().map { Float($0) }
    }

    /// The values converted to Double (exact for every supported type except 64-bit integers beyond 2^53).
    public func doubles() -> [Double] {
        switch dtype {
        case .float32: return load(Float.self).map(Double.init)
        case .float64: return load(Double.self)
        case .float16: return load(UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
        case .int8: return load(Int8.self).map(Double.init)
        case .uint8: return bytes.map(Double.init)
        case .int16: return load(Int16.self).map(Double.init)
        case .uint16: return load(UInt16.self).map(Double.init)
        case .int32: return load(Int32.self).map(Double.init)
        case .uint32: return load(UInt32.self).map(Double.init)
        case .int64: return load(Int64.self).map(Double.init)
        case .uint64: return load(UInt64.self).map(Double.init)
        case .bool: return bytes.map { $0 == 0 ? 0 : 1 }
        }
    }

    /// The values as a Tensor of the same shape.
    public func tensor() -> Tensor { Tensor(shape: shape, data: floats()) }

    private func load<T>(_: T.Type) -> [T] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) }
        }
    }
}

/// The element types mirror reads (`descr` strings, SPEC §6.1). Big-endian files are byte-swapped
/// on read; writes are always little-endian.
public enum NpyDType: String, CaseIterable, Sendable {
    case float16 = "f2", float32 = "f4", float64 = "f8"
    case int8 = "i1", uint8 = "u1", int16 = "i2", uint16 = "u2"
    case int32 = "i4", uint32 = "u4", int64 = "i8", uint64 = "u8"
    case bool = "b1"

    public var size: Int { Int(rawValue.dropFirst())! }

    /// The `descr` NumPy writes: `<f4`, `|u1`, `|b1`, …
    public var descr: String { (size == 1 ? "|" : "<") + rawValue }
}

/// Element types found in TensorFlow checkpoints and PyTorch state dicts, and their conversion
/// to mirror's `Float`.
///
/// Conversion contract (`Float` is IEEE binary32, round-to-nearest-even):
/// - exact: float32 (bit for bit, NaN payloads kept), float16, bfloat16, bool (0/1), int8,
///   uint8, int16;
/// - rounded: float64 (to the nearest float32; beyond ±3.4e38 → ±inf, tiny values → subnormal
///   or ±0) and int32/int64 whose magnitude exceeds 2²⁴ (e.g. 16777217 → 16777216).
///   Model weights are float32 in every checkpoint mirror uses, so only counters such as
///   `global_step` are ever rounded.
public enum CheckpointDType: Hashable, Sendable, CustomStringConvertible {
    case float32, float64, float16, bfloat16
    case int8, uint8, int16, int32, int64, bool
    /// Variable-length byte strings (TF `DT_STRING`); listed but not convertible to `Tensor`.
    case string
    /// Anything else (complex, quantized, …), described by its TF or PyTorch name.
    case other(String)

    /// NumPy-style name (`float32`, `bfloat16`, `int64`, …).
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        case .string: return "string"
        case .other(let name): return name
        }
    }

    /// Bytes per element for fixed-size numeric types; nil for strings and unknown types.
    public var byteWidth: Int? {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .string, .other: return nil
        }
    }

    /// TensorFlow's `DataType` enum value (types.proto) → dtype.
    init(tensorFlowCode code: Int) {
        switch code {
        case 1: self = .float32
        case 2: self = .float64
        case 3: self = .int32
        case 4: self = .uint8
        case 5: self = .int16
        case 6: self = .int8
        case 7: self = .string
        case 9: self = .int64
        case 10: self = .bool
        case 14: self = .bfloat16
        case 19: self = .float16
        default: self = .other("DataType \(code)")
        }
    }

    /// The element at `index` of a little-endian buffer of this type, converted to `Float`.
    /// The caller guarantees `(index + 1) * byteWidth <= buffer.count`.
    @inline(__always)
    func float(in buffer: UnsafeRawBufferPointer, at index: Int) -> Float {
        switch self {
        case .float32:
            return Float(bitPattern: buffer.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self).littleEndian)
        case .float64:
            return Float(Double(bitPattern: buffer.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self).littleEndian))
        case .float16:
            return Float(Self.halfToFloat(buffer.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self).littleEndian))
        case .bfloat16:
            return Float(bitPattern: UInt32(buffer.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self).littleEndian) << 16)
        case .int8:
            return Float(Int8(bitPattern: buffer[index]))
        case .uint8:
            return Float(buffer[index])
        case .bool:
            return buffer[index] != 0 ? 1 : 0
        case .int16:
            return Float(Int16(littleEndian: buffer.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self)))
        case .int32:
            return Float(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)))
        case .int64:
            return Float(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self)))
        case .string, .other:
            preconditionFailure("\(self) has no numeric conversion")
        }
    }

    /// IEEE binary16 → binary32, exact (subnormals normalised, NaN payload shifted into place).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0x1F:  // inf / NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        case 0:
            guard mantissa != 0 else { return Float(bitPattern: sign) }
            var e: UInt32 = 127 - 15 + 1
            while mantissa & 0x400 == 0 {
                mantissa <<= 1
                e -= 1
            }
            return Float(bitPattern: sign | (e << 23) | ((mantissa & 0x3FF) << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
        }
    }

    /// Converts `count` contiguous little-endian elements to `Float`.
    func floats(from bytes: [UInt8], count: Int) -> [Float] {
        precondition(bytes.count >= count * (byteWidth ?? 0), "buffer too short for \(count) \(self)")
        return bytes.withUnsafeBytes { buffer in
            (0..<count).map { float(in: buffer, at: $0) }
        }
    }
}

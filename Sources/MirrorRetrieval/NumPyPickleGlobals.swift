import MirrorCore

/// The NumPy objects a data pickle may hold, for `PickleMachine`: arrays
/// (`numpy[._]core.multiarray._reconstruct` + BUILD), dtypes (`numpy.dtype` + BUILD), scalars
/// (`numpy[._]core.multiarray.scalar`, decoded to `.int`/`.float`), and `_codecs.encode` (how
/// Python 3 writes bytes at protocol 2). Nothing else may be named; nothing is executed.
/// Used for the seed's PCA file (`SeedPCAFile`) and the revisited ground truth (`RevisitedGroundTruth`).
struct NumPyPickleGlobals: PickleGlobals {
    private static let allowed: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    ]

    func isAllowed(module: String, name: String) -> Bool { Self.allowed.contains("\(module).\(name)") }

    func call(module: String, name: String, arguments args: [PickleValue]) throws -> PickleValue {
        switch name {
        case "_reconstruct":
            return .object(NumPyArray())
        case "dtype":
            guard let code = args.first?.text else { throw PickleError.Refusal("numpy.dtype without a type code") }
            return .object(NumPyDType(code: code))
        case "scalar":
            guard args.count == 2, case .object(let object) = args[0], let dtype = object as? NumPyDType,
                  case .bytes(let data) = args[1], data.count == dtype.size else {
                throw PickleError.Refusal("numpy scalar expects (dtype, bytes of its size)")
            }
            return try dtype.isInteger ? .int(dtype.integer(data, at: 0)) : .float(dtype.double(data, at: 0))
        case "encode":
            // Python 3 writes bytes at protocol 2 as encode(<latin-1 decoded text>, 'latin1').
            guard let text = args.first?.text else { throw PickleError.Refusal("_codecs.encode without text") }
            return .bytes(try text.unicodeScalars.map {
                guard $0.value < 256 else { throw PickleError.Refusal("non-latin-1 payload") }
                return UInt8($0.value)
            })
        default:
            throw PickleError.Refusal("\(module).\(name) cannot be called")
        }
    }

    func build(_ target: PickleValue, state: PickleValue) throws {
        guard case .tuple(let fields) = state, case .object(let object) = target else {
            throw PickleError.Refusal("BUILD of a \(target.kind)")
        }
        switch object {
        case let dtype as NumPyDType:
            // (version, byte order, subarray, names, fields, elsize, alignment, flags)
            if fields.count > 1, let order = fields[1].text { dtype.byteOrder = order }
        case let array as NumPyArray:
            // (version, shape, dtype, is_fortran, data)
            guard fields.count == 5, case .tuple(let shape) = fields[1], case .object(let d) = fields[2],
                  let dtype = d as? NumPyDType, case .bool(let fortran) = fields[3] else {
                throw PickleError.Refusal("unexpected ndarray state")
            }
            array.shape = try shape.map {
                guard case .int(let n) = $0, n >= 0 else { throw PickleError.Refusal("bad ndarray shape") }
                return n
            }
            array.dtype = dtype
            array.fortranOrder = fortran
            switch fields[4] {
            case .bytes(let data): array.data = data
            case .string(let text): array.data = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
            case .list(let list): array.objects = list.items
            default: throw PickleError.Refusal("unexpected ndarray payload \(fields[4].kind)")
            }
        default:
            throw PickleError.Refusal("BUILD of a \(object.kind)")
        }
    }
}

/// A NumPy dtype: its type code (`f8`, `<i8`, `O`, …) and byte order.
final class NumPyDType: PickleObject {
    var code: String
    var byteOrder = "="
    init(code: String) { self.code = code }
    var kind: String { "numpy.dtype" }

    /// The code without a byte-order prefix: `f4`, `i8`, `u1`, `b1`, `O`, …
    var baseCode: Substring { code.drop(while: { "<>|=".contains($0) }) }
    var isBigEndian: Bool { byteOrder == ">" || code.hasPrefix(">") }
    var size: Int { Int(baseCode.dropFirst()) ?? 0 }
    var isInteger: Bool { ["i", "u", "b"].contains(baseCode.first) }

    private func bits(_ data: [UInt8], at index: Int) -> UInt64 {
        var bits: UInt64 = 0
        for b in 0..<size {
            bits |= UInt64(data[index * size + (isBigEndian ? size - 1 - b : b)]) << (8 * UInt64(b))
        }
        return bits
    }

    /// Element `index` of `data` as an integer (`i1`…`i8`, `u1`…`u8`, `b1`).
    func integer(_ data: [UInt8], at index: Int) throws -> Int {
        let raw = bits(data, at: index)
        switch (baseCode.first, size) {
        case ("i", 1...8):
            let shift = UInt64(64 - 8 * size)
            return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
        case ("u", 1...7), ("b", 1): return Int(raw)
        case ("u", 8) where raw <= UInt64(Int.max): return Int(raw)
        default: throw PickleError.Refusal("dtype \(code) is not an integer type that fits Int")
        }
    }

    /// Element `index` of `data` as a double (`f4`, `f8`, or an integer type).
    func double(_ data: [UInt8], at index: Int) throws -> Double {
        switch (baseCode.first, size) {
        case ("f", 4): return Double(Float(bitPattern: UInt32(bits(data, at: index))))
        case ("f", 8): return Double(bitPattern: bits(data, at: index))
        default:
            guard isInteger else { throw PickleError.Refusal("dtype \(code) is not numeric") }
            return Double(try integer(data, at: index))
        }
    }
}

/// An ndarray being rebuilt: `_reconstruct` creates it empty, BUILD fills it in.
final class NumPyArray: PickleObject {
    var shape: [Int] = []
    var dtype: NumPyDType?
    var fortranOrder = false
    var data: [UInt8] = []
    /// The elements of an object array (dtype `O`).
    var objects: [PickleValue] = []

    var kind: String { "numpy.ndarray" }
    func releaseContents() { objects = [] }

    /// Element count from the shape.
    var count: Int { shape.reduce(1, *) }

    /// The elements in C (row-major) order, through `element`; checks the byte count.
    private func elements<T>(_ element: (NumPyDType, [UInt8], Int) throws -> T) throws -> [T] {
        guard let dtype else { throw PickleError.Refusal("ndarray without a dtype") }
        guard dtype.size > 0, data.count == count * dtype.size else {
            throw PickleError.Refusal("ndarray holds \(data.count) bytes for shape \(shape) of \(dtype.code)")
        }
        var values = try (0..<count).map { try element(dtype, data, $0) }
        if fortranOrder && shape.count == 2 {
            let (rows, cols) = (shape[0], shape[1])
            values = (0..<(rows * cols)).map { values[($0 % cols) * rows + $0 / cols] }
        } else if fortranOrder && shape.filter({ $0 > 1 }).count > 1 {
            throw PickleError.Refusal("Fortran-ordered arrays of rank \(shape.count) are not supported")
        }
        return values
    }

    func doubles() throws -> [Double] { try elements { try $0.double($1, at: $2) } }
    func integers() throws -> [Int] { try elements { try $0.integer($1, at: $2) } }
}

/// A deliberately small pickle reader for exactly one structure: a NumPy object array holding a
/// dict of NumPy arrays, as `np.save(path, {'mean': …, 'eigvec': …, 'eigval': …})` writes it under
/// Python 2 (protocol 2, `str` payloads as BINSTRING) or Python 3 (protocols 2–5).
///
/// It executes no code: the only callables it accepts are NumPy's array reconstructor
/// (`numpy[._]core.multiarray._reconstruct`), `numpy.dtype`, and `_codecs.encode` (how Python 3
/// writes bytes at protocol 2); anything else is an error. BUILD is understood for ndarray and
/// dtype objects only.
enum RestrictedPickle {
    indirect enum Value {
        case none
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        case bytes([UInt8])
        case tuple([Value])
        case list(ListBox)
        case dict(DictBox)
        case global(module: String, name: String)
        case array(ArrayBox)
        case dtype(DTypeBox)
        case mark

        /// A string key or payload, whether pickled as unicode or (Python 2) as a byte string.
        var text: String? {
            switch self {
            case .string(let s): return s
            case .bytes(let b): return String(decoding: b, as: UTF8.self)
            default: return nil
            }
        }
    }

    final class ListBox { var items: [Value] = [] }
    final class DictBox { var items: [(key: Value, value: Value)] = [] }
    final class DTypeBox {
        var code: String
        var byteOrder = "="
        init(code: String) { self.code = code }
    }
    /// An ndarray being rebuilt: `_reconstruct` creates it empty, BUILD fills it in.
    final class ArrayBox {
        var shape: [Int] = []
        var dtype: DTypeBox?
        var fortranOrder = false
        var data: [UInt8] = []
        var objects: [Value] = []
    }

    struct Failure: Error { let reason: String }

    /// Runs the pickle in `bytes` and returns its result.
    static func load(_ bytes: [UInt8]) throws -> Value {
        var reader = Reader(bytes: bytes)
        var stack: [Value] = []
        var memo: [Int: Value] = [:]

        func pop() throws -> Value {
            guard let top = stack.popLast() else { throw Failure(reason: "stack underflow") }
            return top
        }
        func popToMark() throws -> [Value] {
            guard let mark = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
                throw Failure(reason: "no MARK on the stack")
            }
            let items = Array(stack[(mark + 1)...])
            stack.removeSubrange(mark...)
            return items
        }

        while true {
            let opcode = try reader.byte()
            switch opcode {
            case 0x80: _ = try reader.byte()                                  // PROTO
            case 0x95: _ = try reader.bytes(8)                                // FRAME (length only)
            case UInt8(ascii: "."): return try pop()                          // STOP
            case UInt8(ascii: "("): stack.append(.mark)                       // MARK
            case UInt8(ascii: "c"):                                           // GLOBAL
                let module = try reader.line(), name = try reader.line()
                stack.append(.global(module: module, name: name))
            case 0x93:                                                        // STACK_GLOBAL
                guard let name = try pop().text, let module = try pop().text else { throw Failure(reason: "bad STACK_GLOBAL") }
                stack.append(.global(module: module, name: name))
            case 0x8C: let n = Int(try reader.byte()); stack.append(.string(try reader.utf8(n)))  // SHORT_BINUNICODE
            case UInt8(ascii: "X"): let n = try reader.uint(4); stack.append(.string(try reader.utf8(n)))  // BINUNICODE
            case 0x8D: let n = try reader.uint(8); stack.append(.string(try reader.utf8(n)))  // BINUNICODE8
            case UInt8(ascii: "U"), UInt8(ascii: "C"):                          // SHORT_BINSTRING / SHORT_BINBYTES
                let n = Int(try reader.byte()); stack.append(.bytes(try reader.bytes(n)))
            case UInt8(ascii: "T"), UInt8(ascii: "B"):                          // BINSTRING / BINBYTES
                let n = try reader.uint(4); stack.append(.bytes(try reader.bytes(n)))
            case 0x8E: let n = try reader.uint(8); stack.append(.bytes(try reader.bytes(n)))  // BINBYTES8
            case UInt8(ascii: "K"): stack.append(.int(Int(try reader.byte())))     // BININT1
            case UInt8(ascii: "M"): stack.append(.int(try reader.uint(2)))         // BININT2
            case UInt8(ascii: "J"): stack.append(.int(Int(Int32(truncatingIfNeeded: try reader.uint(4)))))  // BININT
            case 0x8A:                                                        // LONG1
                let n = Int(try reader.byte())
                let raw = try reader.bytes(n)
                guard raw.count <= 8 else { throw Failure(reason: "integer too large") }
                var value = 0
                for (i, b) in raw.enumerated() { value |= Int(b) << (8 * i) }
                if let last = raw.last, last & 0x80 != 0, raw.count < 8 { value -= 1 << (8 * raw.count) }
                stack.append(.int(value))
            case UInt8(ascii: "G"):                                           // BINFLOAT (big-endian)
                let raw = try reader.bytes(8)
                stack.append(.float(Double(bitPattern: raw.reduce(0) { $0 << 8 | UInt64($1) })))
            case UInt8(ascii: "N"): stack.append(.none)
            case 0x88: stack.append(.bool(true))
            case 0x89: stack.append(.bool(false))
            case UInt8(ascii: ")"): stack.append(.tuple([]))
            case UInt8(ascii: "t"): stack.append(.tuple(try popToMark()))
            case 0x85, 0x86, 0x87:                                            // TUPLE1/2/3
                let count = Int(opcode - 0x84)
                guard stack.count >= count else { throw Failure(reason: "stack underflow") }
                let items = Array(stack.suffix(count))
                stack.removeLast(count)
                stack.append(.tuple(items))
            case UInt8(ascii: "]"): stack.append(.list(ListBox()))
            case UInt8(ascii: "a"), UInt8(ascii: "e"):                        // APPEND / APPENDS
                let items = opcode == UInt8(ascii: "a") ? [try pop()] : try popToMark()
                guard case .list(let list)? = stack.last else { throw Failure(reason: "APPEND without a list") }
                list.items += items
            case UInt8(ascii: "}"): stack.append(.dict(DictBox()))
            case UInt8(ascii: "s"), UInt8(ascii: "u"):                        // SETITEM / SETITEMS
                var items: [Value]
                if opcode == UInt8(ascii: "s") {
                    let value = try pop(), key = try pop()
                    items = [key, value]
                } else {
                    items = try popToMark()
                }
                guard case .dict(let dict)? = stack.last, items.count % 2 == 0 else { throw Failure(reason: "SETITEM without a dict") }
                for i in stride(from: 0, to: items.count, by: 2) { dict.items.append((items[i], items[i + 1])) }
            case UInt8(ascii: "R"):                                           // REDUCE
                let arguments = try pop(), callable = try pop()
                stack.append(try reduce(callable, arguments))
            case UInt8(ascii: "b"):                                           // BUILD
                let state = try pop()
                guard let target = stack.last else { throw Failure(reason: "BUILD without an object") }
                try build(target, state)
            case UInt8(ascii: "q"): memo[Int(try reader.byte())] = stack.last   // BINPUT
            case UInt8(ascii: "r"): memo[try reader.uint(4)] = stack.last       // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                            // MEMOIZE
            case UInt8(ascii: "h"), UInt8(ascii: "j"):                          // BINGET / LONG_BINGET
                let key = opcode == UInt8(ascii: "h") ? Int(try reader.byte()) : try reader.uint(4)
                guard let value = memo[key] else { throw Failure(reason: "memo entry \(key) is missing") }
                stack.append(value)
            default:
                throw Failure(reason: "unsupported pickle opcode 0x\(String(opcode, radix: 16)) at byte \(reader.position - 1)")
            }
        }
    }

    private static func reduce(_ callable: Value, _ arguments: Value) throws -> Value {
        guard case .global(let module, let name) = callable, case .tuple(let args) = arguments else {
            throw Failure(reason: "REDUCE of something that is not a known global")
        }
        switch (module, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"):
            return .array(ArrayBox())
        case ("numpy", "dtype"):
            guard let code = args.first?.text else { throw Failure(reason: "numpy.dtype without a type code") }
            return .dtype(DTypeBox(code: code))
        case ("_codecs", "encode"):
            // Python 3 writes bytes at protocol 2 as encode(<latin-1 decoded text>, 'latin1').
            guard let text = args.first?.text else { throw Failure(reason: "_codecs.encode without text") }
            return .bytes(try text.unicodeScalars.map {
                guard $0.value < 256 else { throw Failure(reason: "non-latin-1 payload") }
                return UInt8($0.value)
            })
        default:
            throw Failure(reason: "refusing to call \(module).\(name)")
        }
    }

    private static func build(_ target: Value, _ state: Value) throws {
        guard case .tuple(let fields) = state else { throw Failure(reason: "BUILD state is not a tuple") }
        switch target {
        case .dtype(let dtype):
            if fields.count > 1, let order = fields[1].text { dtype.byteOrder = order }
        case .array(let array):
            // (version, shape, dtype, is_fortran, data)
            guard fields.count == 5, case .tuple(let shape) = fields[1], case .dtype(let dtype) = fields[2],
                  case .bool(let fortran) = fields[3] else { throw Failure(reason: "unexpected ndarray state") }
            array.shape = try shape.map { guard case .int(let n) = $0, n >= 0 else { throw Failure(reason: "bad shape") }; return n }
            array.dtype = dtype
            array.fortranOrder = fortran
            switch fields[4] {
            case .bytes(let data): array.data = data
            case .string(let text): array.data = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
            case .list(let list): array.objects = list.items
            default: throw Failure(reason: "unexpected ndarray payload")
            }
        default:
            throw Failure(reason: "BUILD of an unsupported object")
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw Failure(reason: "pickle ends early") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, count <= bytes.count - position else { throw Failure(reason: "pickle ends early") }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }

        mutating func uint(_ width: Int) throws -> Int {
            let raw = try bytes(width)
            var value: UInt64 = 0
            for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            guard value <= UInt64(Int.max) else { throw Failure(reason: "length too large") }
            return Int(value)
        }

        mutating func utf8(_ count: Int) throws -> String {
            String(decoding: try bytes(count), as: UTF8.self)
        }

        mutating func line() throws -> String {
            guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { throw Failure(reason: "unterminated GLOBAL") }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }
    }
}

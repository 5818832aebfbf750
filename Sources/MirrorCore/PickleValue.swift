/// Values built by the restricted pickle machine (`PickleMachine`). Lists and dicts are
/// reference types because pickles mutate them after memoizing (APPENDS/SETITEMS on a `BINGET`).
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// A LONG1/LONG4 integer too wide for `Int`: little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    /// BINBYTES, and Python 2's BINSTRING (a `str` of unknown encoding).
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global (a class or function), never executed, only recognised.
    case global(module: String, name: String)
    /// What a `PickleGlobals` built for an allow-listed call: a tensor storage, a NumPy array, …
    case object(any PickleObject)

    /// A short name for error messages.
    public var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let module, let name): return "\(module).\(name)"
        case .object(let object): return object.kind
        }
    }

    /// A string, whether pickled as unicode or (Python 2) as a byte string.
    public var text: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }
}

/// A value built by a `PickleGlobals` handler. Objects that hold other pickle values drop them in
/// `releaseContents()` so that tearing a hostile pickle down never recurses (`PickleMachine`).
public protocol PickleObject {
    var kind: String { get }
    func releaseContents()
}

extension PickleObject {
    public func releaseContents() {}
}

public final class PickleList {
    public var items: [PickleValue] = []
    public init() {}
}

/// An insertion-ordered dict (Python dicts and `OrderedDict`s alike). Keys are compared by
/// value for strings and ints; other keys are kept in order without de-duplication.
public final class PickleDict {
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]
    private var intIndex: [Int: Int] = [:]

    public init() {}

    public func set(_ key: PickleValue, _ value: PickleValue) {
        switch key {
        case .string(let s):
            if let i = stringIndex[s] { entries[i].value = value; return }
            stringIndex[s] = entries.count
        case .int(let n):
            if let i = intIndex[n] { entries[i].value = value; return }
            intIndex[n] = entries.count
        default:
            break
        }
        entries.append((key, value))
    }

    /// Empties the dict, returning its former entries.
    @discardableResult
    public func removeAll() -> [(key: PickleValue, value: PickleValue)] {
        defer { entries = []; stringIndex = [:]; intIndex = [:] }
        return entries
    }

    /// The value under a unicode string key.
    public subscript(key: String) -> PickleValue? {
        stringIndex[key].map { entries[$0].value }
    }

    /// The value under a unicode or (Python 2) byte-string key.
    public func value(forText key: String) -> PickleValue? {
        self[key] ?? entries.first { if case .bytes = $0.key { return $0.key.text == key } else { return false } }?.value
    }
}

/// What a pickle may name and call. The machine asks `isAllowed` when a GLOBAL is pushed (so a
/// refused name fails before anything else happens), and hands REDUCE and BUILD on allowed
/// globals and built objects to `call` and `build`, which only construct values.
public protocol PickleGlobals {
    func isAllowed(module: String, name: String) -> Bool
    /// REDUCE of an allowed global. Throw `PickleError.Refusal` for arguments of the wrong shape.
    func call(module: String, name: String, arguments: [PickleValue]) throws -> PickleValue
    /// BUILD: `state` for `target` (the value under it on the stack).
    func build(_ target: PickleValue, state: PickleValue) throws
}

/// Why the machine stopped. Clients map it to their own error type naming the file.
public enum PickleError: Error, Equatable, CustomStringConvertible {
    /// The pickle names a global the `PickleGlobals` does not allow.
    case disallowedGlobal(module: String, name: String)
    /// An opcode the machine does not implement.
    case unsupportedOpcode(opcode: UInt8, offset: Int)
    /// Structurally wrong: stack underflow, wrong argument types, truncation, …
    case malformed(offset: Int, reason: String)

    /// Thrown by `PickleGlobals` handlers; the machine turns it into `.malformed` at the opcode's offset.
    public struct Refusal: Error {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    public var description: String {
        switch self {
        case .disallowedGlobal(let module, let name): return "the pickle refers to '\(module).\(name)', which is not allowed"
        case .unsupportedOpcode(let opcode, let offset): return "unsupported pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset)"
        case .malformed(let offset, let reason): return "malformed pickle at byte \(offset): \(reason)"
        }
    }
}

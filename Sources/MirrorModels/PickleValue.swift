/// Values built by the restricted pickle machine (`PickleMachine`). Lists and dicts are
/// reference types because pickles mutate them after memoizing (APPENDS/SETITEMS on a `BINGET`).
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// A LONG1/LONG4 integer too wide for `Int`: little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global (a class or function), never executed, only recognised.
    case global(module: String, name: String)
    /// A storage from a persistent id: element type, archive key and element count.
    case storage(TorchStorageReference)
    /// The result of `_rebuild_tensor_v2`: a strided view of a storage.
    case tensor(TorchTensorReference)

    /// A short name for error messages.
    var kind: String {
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
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

final class PickleList {
    var items: [PickleValue] = []
}

/// An insertion-ordered dict (Python dicts and `OrderedDict`s alike). Keys are compared by
/// value for strings and ints — the only key types a state dict uses.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]
    private var intIndex: [Int: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
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
    func removeAll() -> [(key: PickleValue, value: PickleValue)] {
        defer { entries = []; stringIndex = [:]; intIndex = [:] }
        return entries
    }

    subscript(key: String) -> PickleValue? {
        stringIndex[key].map { entries[$0].value }
    }
}

/// `('storage', torch.<T>Storage, key, location, numel[, view_metadata])` from a persistent id.
struct TorchStorageReference: Equatable {
    let dtype: CheckpointDType
    let key: String
    let elementCount: Int
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])`.
struct TorchTensorReference: Equatable {
    let storage: TorchStorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}

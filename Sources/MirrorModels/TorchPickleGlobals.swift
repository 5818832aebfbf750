import MirrorCore

/// What a `torch.save` state-dict pickle may name (SPEC §6.3): `collections.OrderedDict`, the two
/// tensor rebuilders and the storage classes (`torch.FloatStorage` … `torch.BoolStorage`). REDUCE
/// only "calls" the three callables by building values; BUILD state (e.g. `_metadata`) is ignored.
struct TorchPickleGlobals: PickleGlobals {
    /// The storage classes, mapped to their element types.
    static let storageTypes: [String: CheckpointDType] = [
        "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32,
        "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]
    static let allowedCallables: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    ]

    func isAllowed(module: String, name: String) -> Bool {
        Self.allowedCallables.contains("\(module).\(name)") || (module == "torch" && Self.storageTypes[name] != nil)
    }

    func build(_ target: PickleValue, state: PickleValue) throws {}

    func call(module: String, name: String, arguments args: [PickleValue]) throws -> PickleValue {
        switch "\(module).\(name)" {
        case "collections.OrderedDict":
            guard args.isEmpty else { throw PickleError.Refusal("OrderedDict called with arguments") }
            return .dict(PickleDict())
        case "torch._utils._rebuild_tensor_v2":
            guard args.count == 6 || args.count == 7, case .object(let object) = args[0],
                  let storage = object as? TorchStorageReference, case .int(let offset) = args[1],
                  let shape = Self.ints(args[2]), let strides = Self.ints(args[3]) else {
                throw PickleError.Refusal("_rebuild_tensor_v2 expects (storage, int, sizes, strides, …), got (\(args.map(\.kind).joined(separator: ", ")))")
            }
            guard shape.count == strides.count, offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
                throw PickleError.Refusal("_rebuild_tensor_v2 with offset \(offset), sizes \(shape), strides \(strides)")
            }
            return .object(TorchTensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides))
        case "torch._utils._rebuild_parameter":
            guard args.count == 3, case .object(let object) = args[0], object is TorchTensorReference else {
                throw PickleError.Refusal("_rebuild_parameter expects (tensor, bool, hooks)")
            }
            return args[0]
        default:
            throw PickleError.Refusal("\(module).\(name) cannot be called")
        }
    }

    static func ints(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let n) = item else { return nil }
            result.append(n)
        }
        return result
    }
}

/// `('storage', torch.<T>Storage, key, location, numel[, view_metadata])` from a persistent id.
struct TorchStorageReference: Equatable, PickleObject {
    let dtype: CheckpointDType
    let key: String
    let elementCount: Int
    var kind: String { "storage" }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])`.
struct TorchTensorReference: Equatable, PickleObject {
    let storage: TorchStorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
    var kind: String { "tensor" }
}

extension PickleMachine {
    /// Runs a state-dict pickle with the torch allow-list, reporting failures as `TorchError`s naming `path`.
    static func runTorch<Result>(_ bytes: [UInt8], from start: Int = 0, path: String,
                                 persistentLoad: @escaping (PickleValue) throws -> PickleValue,
                                 extract: (PickleValue) throws -> Result) throws -> (result: Result, end: Int) {
        do {
            return try run(bytes, from: start, globals: TorchPickleGlobals(), persistentLoad: persistentLoad, extract: extract)
        } catch let error as PickleError {
            switch error {
            case .disallowedGlobal(let module, let name): throw TorchError.disallowedGlobal(path: path, module: module, name: name)
            case .unsupportedOpcode(let opcode, let offset): throw TorchError.unsupportedOpcode(path: path, opcode: opcode, offset: offset)
            case .malformed(let offset, let reason): throw TorchError.malformedPickle(path: path, offset: offset, reason: reason)
            }
        }
    }
}

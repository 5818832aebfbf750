/// Errors from reading a TensorFlow V2 checkpoint. Every case names the file concerned (the
/// `.index`, a `.data-…` shard, a `checkpoint` state file or the path the user gave).
public enum TFCheckpointError: Error, Equatable, CustomStringConvertible {
    /// The path is not a prefix with a `.index`, an `.index`/`.data-…` file, a folder holding a
    /// `checkpoint` file, or a `checkpoint` file.
    case cannotResolve(path: String, reason: String)
    /// The `.index` is shorter than the 48-byte footer.
    case truncatedIndex(path: String, length: Int)
    /// The footer's last 8 bytes are not 0xdb4775248b80fb57 (truncated, or not a checkpoint).
    case badFooterMagic(path: String, found: UInt64)
    /// A block handle points outside the file.
    case blockOutOfBounds(path: String, offset: Int, size: Int, fileLength: Int)
    /// A block's stored masked CRC32C does not match its content + type byte.
    case blockChecksumMismatch(path: String, blockOffset: Int, stored: UInt32, computed: UInt32)
    /// A block's compression byte is not 0 (the bundle writer never compresses).
    case compressedBlock(path: String, blockOffset: Int, compression: UInt8)
    /// The index's structure is inconsistent (bad varints, unsorted keys, bad protos, …).
    case malformedIndex(path: String, reason: String)
    /// The header declares big-endian tensor data.
    case bigEndian(path: String)
    /// A data shard named by the header does not exist or cannot be read.
    case missingShard(path: String, shard: Int, shardCount: Int)
    /// No tensor of that name in the checkpoint.
    case unknownTensor(path: String, name: String)
    /// The tensor's bytes lie outside its shard.
    case tensorOutOfBounds(path: String, name: String, offset: Int, size: Int, fileLength: Int)
    /// The entry's byte size disagrees with dtype × shape (`expectedBytes` -1: the shape overflows).
    case sizeMismatch(path: String, name: String, expectedBytes: Int, storedBytes: Int)
    /// The tensor's bytes do not match the entry's CRC32C (a flipped byte on disk or in transit).
    case tensorChecksumMismatch(path: String, name: String, stored: UInt32, computed: UInt32)
    /// String tensors (or unknown dtypes) cannot become a float `Tensor`.
    case notNumeric(path: String, name: String, dtype: CheckpointDType)
    /// Partitioned variables (`slices` entries) are not supported.
    case partitionedTensor(path: String, name: String)
    /// A string tensor's length table or its checksum is inconsistent.
    case malformedStringTensor(path: String, name: String, reason: String)

    public var description: String {
        func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
        switch self {
        case .cannotResolve(let path, let reason):
            return "\(path): not a TensorFlow checkpoint: \(reason)"
        case .truncatedIndex(let path, let length):
            return "\(path): truncated checkpoint index (\(length) bytes, shorter than the 48-byte footer)"
        case .badFooterMagic(let path, let found):
            return "\(path): bad footer magic 0x\(String(found, radix: 16)) (expected 0xdb4775248b80fb57): the index is truncated or not a TensorFlow V2 checkpoint"
        case .blockOutOfBounds(let path, let offset, let size, let fileLength):
            return "\(path): block at offset \(offset) of size \(size) runs past the end of the \(fileLength)-byte index (truncated?)"
        case .blockChecksumMismatch(let path, let blockOffset, let stored, let computed):
            return "\(path): checksum mismatch in the index block at offset \(blockOffset) (stored \(hex(stored)), computed \(hex(computed))): the file is corrupt"
        case .compressedBlock(let path, let blockOffset, let compression):
            return "\(path): index block at offset \(blockOffset) is compressed (type \(compression)); TensorFlow bundles are never compressed"
        case .malformedIndex(let path, let reason):
            return "\(path): malformed checkpoint index: \(reason)"
        case .bigEndian(let path):
            return "\(path): checkpoint was written on a big-endian machine; only little-endian data is supported"
        case .missingShard(let path, let shard, let shardCount):
            return "\(path): missing data shard \(shard + 1) of \(shardCount) (the checkpoint needs every .data-NNNNN-of-\(TFShardNames.fiveDigits(shardCount)) file)"
        case .unknownTensor(let path, let name):
            return "\(path): no tensor named '\(name)'"
        case .tensorOutOfBounds(let path, let name, let offset, let size, let fileLength):
            return "\(path): tensor '\(name)' (\(size) bytes at offset \(offset)) lies past the end of the \(fileLength)-byte shard (truncated?)"
        case .sizeMismatch(let path, let name, let expectedBytes, let storedBytes) where expectedBytes < 0:
            return "\(path): tensor '\(name)' has a shape too large to address (the entry says \(storedBytes) bytes)"
        case .sizeMismatch(let path, let name, let expectedBytes, let storedBytes):
            return "\(path): tensor '\(name)' should hold \(expectedBytes) bytes for its dtype and shape but the entry says \(storedBytes)"
        case .tensorChecksumMismatch(let path, let name, let stored, let computed):
            return "\(path): checksum mismatch for tensor '\(name)' (stored \(hex(stored)), computed \(hex(computed))): the data is corrupt (a flipped byte?)"
        case .notNumeric(let path, let name, let dtype):
            return "\(path): tensor '\(name)' has dtype \(dtype) and cannot be loaded as float"
        case .partitionedTensor(let path, let name):
            return "\(path): tensor '\(name)' is a partitioned variable (slices), which is not supported"
        case .malformedStringTensor(let path, let name, let reason):
            return "\(path): string tensor '\(name)': \(reason)"
        }
    }
}

import MirrorCore

/// The `.index` file of a TensorFlow V2 checkpoint: a LevelDB-style sorted table (SPEC §6.2).
///
/// Layout: data blocks, a (empty) metaindex block, an index block, then a 48-byte footer
/// (two varint64 `BlockHandle`s — metaindex then index — zero padding to byte 40, and the magic
/// 0xdb4775248b80fb57 as uint64 LE). Every block is `size` content bytes plus a 5-byte trailer:
/// compression type (must be 0) and the masked CRC32C of content + type byte. Block content is a
/// run of prefix-compressed entries `varint32 shared, varint32 unshared, varint32 valueLength,
/// keySuffix, value` followed by uint32 restart offsets and a uint32 restart count.
///
/// Everything is bounds-checked against the file length; corrupt input throws
/// `TFCheckpointError`, never traps.
struct TFIndexTable {
    static let footerLength = 48
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    static let blockTrailerLength = 5

    struct BlockHandle: Equatable {
        var offset: Int
        var size: Int
    }

    struct Footer: Equatable {
        var metaindex: BlockHandle
        var index: BlockHandle
    }

    /// All key/value pairs of all data blocks, in (bytewise ascending) key order.
    let entries: [(key: [UInt8], value: [UInt8])]
    /// Number of data blocks the index block points to.
    let dataBlockCount: Int
    let footer: Footer

    /// Parses a whole `.index` file; `path` is used in errors.
    init(bytes: [UInt8], path: String) throws {
        footer = try Self.footer(of: bytes, path: path)
        _ = try Self.blockEntries(bytes, footer.metaindex, path: path)  // verified, then ignored
        let indexEntries = try Self.blockEntries(bytes, footer.index, path: path)
        var entries: [(key: [UInt8], value: [UInt8])] = []
        for indexEntry in indexEntries {
            var cursor = ByteCursor(indexEntry.value)
            let handle: BlockHandle
            do {
                handle = BlockHandle(offset: try cursor.varintLength(), size: try cursor.varintLength())
            } catch {
                throw TFCheckpointError.malformedIndex(path: path, reason: "bad block handle in the index block: \(error)")
            }
            let blockEntries = try Self.blockEntries(bytes, handle, path: path)
            if let last = blockEntries.last, !last.key.lexicographicallyPrecedes(indexEntry.key), last.key != indexEntry.key {
                throw TFCheckpointError.malformedIndex(path: path, reason: "index key sorts before the last key of its block at offset \(handle.offset)")
            }
            for entry in blockEntries {
                if let previous = entries.last, !previous.key.lexicographicallyPrecedes(entry.key) {
                    throw TFCheckpointError.malformedIndex(path: path, reason: "keys are not strictly ascending at '\(String(decoding: entry.key, as: UTF8.self))'")
                }
                entries.append(entry)
            }
        }
        self.entries = entries
        self.dataBlockCount = indexEntries.count
    }

    /// Decodes and checks the footer (the last 48 bytes).
    static func footer(of bytes: [UInt8], path: String) throws -> Footer {
        guard bytes.count >= footerLength else {
            throw TFCheckpointError.truncatedIndex(path: path, length: bytes.count)
        }
        let start = bytes.count - footerLength
        var cursor = ByteCursor(bytes, range: start..<bytes.count)
        do {
            try cursor.skip(40)
            let found = try cursor.u64()
            guard found == magic else { throw TFCheckpointError.badFooterMagic(path: path, found: found) }
            cursor = ByteCursor(bytes, range: start..<start + 40)
            let metaindex = BlockHandle(offset: try cursor.varintLength(), size: try cursor.varintLength())
            let index = BlockHandle(offset: try cursor.varintLength(), size: try cursor.varintLength())
            return Footer(metaindex: metaindex, index: index)
        } catch let error as ByteCursor.OutOfBounds {
            throw TFCheckpointError.malformedIndex(path: path, reason: "bad footer block handles: \(error)")
        }
    }

    /// Verifies one block's trailer and returns its entries with full keys.
    static func blockEntries(_ bytes: [UInt8], _ handle: BlockHandle, path: String) throws -> [(key: [UInt8], value: [UInt8])] {
        let limit = bytes.count - footerLength
        guard handle.offset <= limit, handle.size <= limit - handle.offset,
              blockTrailerLength <= limit - handle.offset - handle.size else {
            throw TFCheckpointError.blockOutOfBounds(path: path, offset: handle.offset, size: handle.size, fileLength: bytes.count)
        }
        let contentEnd = handle.offset + handle.size
        let compression = bytes[contentEnd]
        var trailer = ByteCursor(bytes, range: contentEnd + 1..<contentEnd + blockTrailerLength)
        let stored = CRC32C.unmask(try! trailer.u32())  // 4 bytes are in range: checked above
        let computed = CRC32C.checksum(bytes[handle.offset...contentEnd])
        guard stored == computed else {
            throw TFCheckpointError.blockChecksumMismatch(path: path, blockOffset: handle.offset, stored: stored, computed: computed)
        }
        guard compression == 0 else {
            throw TFCheckpointError.compressedBlock(path: path, blockOffset: handle.offset, compression: compression)
        }
        do {
            return try parseBlock(bytes, content: handle.offset..<contentEnd)
        } catch let error as ByteCursor.OutOfBounds {
            throw TFCheckpointError.malformedIndex(path: path, reason: "block at offset \(handle.offset): \(error)")
        } catch let error as BlockError {
            throw TFCheckpointError.malformedIndex(path: path, reason: "block at offset \(handle.offset): \(error.reason)")
        }
    }

    struct BlockError: Error { let reason: String }

    /// Walks a block's prefix-compressed entries up to the restart array.
    static func parseBlock(_ bytes: [UInt8], content: Range<Int>) throws -> [(key: [UInt8], value: [UInt8])] {
        guard content.count >= 4 else { throw BlockError(reason: "block of \(content.count) bytes has no restart count") }
        var tail = ByteCursor(bytes, range: content.upperBound - 4..<content.upperBound)
        let restartCount = Int(try tail.u32())
        guard restartCount <= (content.count - 4) / 4 else {
            throw BlockError(reason: "\(restartCount) restarts do not fit a \(content.count)-byte block")
        }
        let entriesEnd = content.upperBound - 4 - 4 * restartCount
        var restarts = ByteCursor(bytes, range: entriesEnd..<content.upperBound - 4)
        var restartOffsets = Set<Int>()
        for _ in 0..<restartCount {
            let offset = Int(try restarts.u32())
            guard offset <= entriesEnd - content.lowerBound else { throw BlockError(reason: "restart offset \(offset) out of range") }
            restartOffsets.insert(offset)
        }
        var cursor = ByteCursor(bytes, range: content.lowerBound..<entriesEnd)
        var entries: [(key: [UInt8], value: [UInt8])] = []
        var key: [UInt8] = []
        while !cursor.isAtEnd {
            let entryOffset = cursor.position - content.lowerBound
            let shared = Int(try cursor.varint32())
            let unshared = Int(try cursor.varint32())
            let valueLength = Int(try cursor.varint32())
            guard shared <= key.count else {
                throw BlockError(reason: "entry shares \(shared) key bytes but the previous key has \(key.count)")
            }
            if restartOffsets.contains(entryOffset), shared != 0 {
                throw BlockError(reason: "restart entry at \(entryOffset) shares key bytes")
            }
            key = Array(key[0..<shared]) + (try cursor.read(unshared))
            entries.append((key, try cursor.read(valueLength)))
        }
        return entries
    }
}

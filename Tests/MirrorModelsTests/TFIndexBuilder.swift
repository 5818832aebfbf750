import MirrorCore
@testable import MirrorModels

/// Writes small TensorFlow-style `.index` files for tests, so that corruptions TensorFlow never
/// writes (compressed or unsorted blocks, big-endian headers, bad shapes) can be exercised.
/// Layout as in SPEC §6.2: data block(s), empty metaindex, index block, 48-byte footer.
struct TFIndexBuilder {
    var entries: [(key: [UInt8], value: [UInt8])] = []
    var compression: UInt8 = 0
    var restartInterval = 16
    /// Entries per data block (one block by default).
    var entriesPerBlock = Int.max

    mutating func add(_ key: String, _ value: [UInt8]) { entries.append((Array(key.utf8), value)) }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, out: [UInt8] = []
        while value >= 0x80 { out.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
        return out + [UInt8(value)]
    }

    static func u32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// Block content: prefix-compressed entries, restart offsets, restart count.
    func blockContent(_ entries: ArraySlice<(key: [UInt8], value: [UInt8])>) -> [UInt8] {
        var out: [UInt8] = [], restarts: [UInt32] = [], previous: [UInt8] = []
        for (i, entry) in entries.enumerated() {
            var shared = 0
            if i % restartInterval == 0 {
                restarts.append(UInt32(out.count))
            } else {
                while shared < min(previous.count, entry.key.count), previous[shared] == entry.key[shared] { shared += 1 }
            }
            out += Self.varint(UInt64(shared)) + Self.varint(UInt64(entry.key.count - shared)) + Self.varint(UInt64(entry.value.count))
            out += entry.key[shared...] + entry.value
            previous = entry.key
        }
        if restarts.isEmpty { restarts = [0] }
        return out + restarts.flatMap(Self.u32) + Self.u32(UInt32(restarts.count))
    }

    /// Appends a block with its trailer; returns its handle bytes.
    func appendBlock(_ content: [UInt8], to file: inout [UInt8]) -> [UInt8] {
        let handle = Self.varint(UInt64(file.count)) + Self.varint(UInt64(content.count))
        let crc = CRC32C.mask(CRC32C.checksum(content + [compression]))
        file += content + [compression] + Self.u32(crc)
        return handle
    }

    func build() -> [UInt8] {
        var file: [UInt8] = []
        var indexEntries: [(key: [UInt8], value: [UInt8])] = []
        var start = 0
        repeat {
            let chunk = entries[start..<min(entries.count, start + entriesPerBlock)]
            let handle = appendBlock(blockContent(chunk), to: &file)
            indexEntries.append(((chunk.last?.key ?? []) + [0xFF], handle))
            start += entriesPerBlock
        } while start < entries.count
        let metaindex = appendBlock(blockContent([]), to: &file)
        let index = appendBlock(blockContent(indexEntries[...]), to: &file)
        var footer = metaindex + index
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        footer += [0x57, 0xFB, 0x80, 0x8B, 0x24, 0x75, 0x47, 0xDB]
        return file + footer
    }

    // MARK: protobuf messages

    static func header(shards: Int = 1, bigEndian: Bool = false) -> [UInt8] {
        [0x08] + varint(UInt64(shards)) + (bigEndian ? [0x10, 0x01] : []) + [0x1A, 0x02, 0x08, 0x01]
    }

    static func entry(dtype: Int = 1, shape: [Int], shard: Int = 0, offset: Int = 0, size: Int,
                      crc: UInt32, slices: Int = 0) -> [UInt8] {
        var dims: [UInt8] = []
        for d in shape {
            let dim = [0x08] + varint(UInt64(bitPattern: Int64(d)))
            dims += [0x12] + varint(UInt64(dim.count)) + dim
        }
        var out: [UInt8] = [0x08] + varint(UInt64(dtype)) + [0x12] + varint(UInt64(dims.count)) + dims
        if shard != 0 { out += [0x18] + varint(UInt64(shard)) }
        if offset != 0 { out += [0x20] + varint(UInt64(offset)) }
        out += [0x28] + varint(UInt64(size)) + [0x35] + u32(crc)
        for _ in 0..<slices { out += [0x3A, 0x00] }
        return out
    }
}

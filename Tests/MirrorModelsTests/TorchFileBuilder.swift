@testable import MirrorModels

/// Writes tiny PyTorch-style files byte by byte for tests: pickle opcodes, the legacy
/// five-pickle layout and a stored ZIP — so malicious or malformed inputs need no Python.
enum TorchFileBuilder {
    static func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func u64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    static func string(_ s: String) -> [UInt8] { [0x58] + u32(s.utf8.count) + Array(s.utf8) }  // BINUNICODE
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func int(_ v: Int) -> [UInt8] { [0x4A] + u32(v) }  // BININT
    static func long(_ v: Int) -> [UInt8] { [0x8A, 0x08] + u64(v) }  // LONG1, 8 bytes
    static func intTuple(_ values: [Int]) -> [UInt8] { [0x28] + values.flatMap(int) + [0x74] }

    /// `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`.
    static func tensor(type: String = "FloatStorage", key: String, numel: Int, offset: Int = 0,
                       shape: [Int], strides: [Int], legacy: Bool) -> [UInt8] {
        var pid: [UInt8] = [0x28] + string("storage") + global("torch", type) + string(key) + string("cpu") + long(numel)
        if legacy { pid += [0x4E] }  // view_metadata None
        pid += [0x74, 0x51]  // TUPLE, BINPERSID
        return global("torch._utils", "_rebuild_tensor_v2") + [0x28] + pid + int(offset) + intTuple(shape) + intTuple(strides)
            + [0x89] + global("collections", "OrderedDict") + [0x29, 0x52, 0x74, 0x52]
    }

    /// A protocol-2 pickle of `OrderedDict(items)`, items already encoded as (key, value bytes).
    static func stateDictPickle(_ items: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [0x80, 0x02] + global("collections", "OrderedDict") + [0x29, 0x52]
        for (key, value) in items { out += string(key) + value + [0x73] }  // SETITEM
        return out + [0x2E]
    }

    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    /// The legacy layout: magic, 1001, sys_info, dict, key list, then numel + bytes per storage.
    static func legacyFile(dict: [UInt8], storages: [(key: String, numel: Int, bytes: [UInt8])],
                           magic: [UInt8] = legacyMagic, littleEndian: Bool = true) -> [UInt8] {
        var out = magic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        out += [0x80, 0x02, 0x7D] + string("little_endian") + [littleEndian ? 0x88 : 0x89, 0x73, 0x2E]
        out += dict
        out += [0x80, 0x02, 0x5D] + storages.flatMap { string($0.key) + [0x61] } + [0x2E]
        for storage in storages { out += u64(storage.numel) + storage.bytes }
        return out
    }

    /// A ZIP of `members` (name, bytes, method) with correct CRC-32s, as torch.save lays it out.
    static func zip(_ members: [(name: String, bytes: [UInt8], method: Int)]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        for member in members {
            let crc = u32(Int(ZipCRC32.checksum(member.bytes)))
            let name = Array(member.name.utf8)
            let common = u16(member.method) + u16(0) + u16(0) + crc + u32(member.bytes.count) + u32(member.bytes.count) + u16(name.count)
            let offset = out.count
            out += u32(0x0403_4B50) + u16(20) + u16(0) + common + u16(0) + name + member.bytes
            directory += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + common + u16(0) + u16(0) + u16(0) + u16(0)
                + u32(0) + u32(offset) + name
        }
        let directoryOffset = out.count
        out += directory
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(members.count) + u16(members.count)
            + u32(directory.count) + u32(directoryOffset) + u16(0)
        return out
    }
}

import MirrorCore

/// A minimal ZIP reader for PyTorch's zip-format `.pth` files (torch ≥ 1.6, SPEC §6.3):
/// the end-of-central-directory record (ZIP64 when the classic fields are saturated), the
/// central directory, and the local headers that give each member's data offset (PyTorch pads
/// local "extra" fields so tensor data is 64-byte aligned).
///
/// Only stored (uncompressed, unencrypted) members can be read — exactly what `torch.save`
/// writes; anything else is `TorchError.compressedEntry`. Member data is CRC-32 checked.
struct ZipArchive {
    struct Entry: Equatable {
        let name: String
        let method: Int
        let flags: Int
        let crc32: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let file: RandomAccessFile
    let entries: [Entry]
    private let byName: [String: Int]

    private static let eocdSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    init(file: RandomAccessFile) throws {
        self.file = file
        let path = file.path
        func malformed(_ reason: String) -> TorchError { .malformedZip(path: path, reason: reason) }
        do {
            // The EOCD record (22 bytes + comment ≤ 65535) is found by scanning back from the end.
            let tailLength = min(file.length, 22 + 65_535 + 20)
            let tail = try file.read(offset: file.length - tailLength, count: tailLength)
            guard tail.count >= 22, let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
                tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
            }) else { throw malformed("no end-of-central-directory record (truncated?)") }
            var cursor = ByteCursor(tail, range: eocd + 4..<tail.count)
            try cursor.skip(6)
            var count = Int(try cursor.u16())
            var directorySize = Int(try cursor.u32())
            var directoryOffset = Int(try cursor.u32())
            if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
                guard eocd >= 20 else { throw malformed("ZIP64 locator missing") }
                var locator = ByteCursor(tail, range: eocd - 20..<eocd)
                guard try locator.u32() == Self.zip64LocatorSignature else { throw malformed("ZIP64 locator missing") }
                try locator.skip(4)
                let recordOffset = Int(clamping: try locator.u64())
                guard file.contains(offset: recordOffset, count: 56) else { throw malformed("ZIP64 record out of bounds") }
                var record = ByteCursor(try file.read(offset: recordOffset, count: 56))
                guard try record.u32() == Self.zip64EOCDSignature else { throw malformed("bad ZIP64 end record") }
                try record.skip(8 + 2 + 2 + 4 + 4 + 8)
                count = Int(clamping: try record.u64())
                directorySize = Int(clamping: try record.u64())
                directoryOffset = Int(clamping: try record.u64())
            }
            guard file.contains(offset: directoryOffset, count: directorySize) else {
                throw malformed("central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the \(file.length)-byte file")
            }
            let directory = try file.read(offset: directoryOffset, count: directorySize)
            var reader = ByteCursor(directory)
            var entries: [Entry] = []
            for _ in 0..<count {
                guard try reader.u32() == Self.centralSignature else { throw malformed("bad central directory entry signature") }
                try reader.skip(4)
                let flags = Int(try reader.u16())
                let method = Int(try reader.u16())
                try reader.skip(4)
                let crc = try reader.u32()
                var compressedSize = UInt64(try reader.u32())
                var size = UInt64(try reader.u32())
                let nameLength = Int(try reader.u16())
                let extraLength = Int(try reader.u16())
                let commentLength = Int(try reader.u16())
                try reader.skip(8)
                var localOffset = UInt64(try reader.u32())
                let name = String(decoding: try reader.read(nameLength), as: UTF8.self)
                var extra = ByteCursor(try reader.read(extraLength))
                try reader.skip(commentLength)
                while extra.remaining >= 4 {  // ZIP64 extended information replaces saturated fields
                    let id = try extra.u16()
                    let length = Int(try extra.u16())
                    var field = ByteCursor(try extra.read(length))
                    guard id == 0x0001 else { continue }
                    if size == 0xFFFF_FFFF { size = try field.u64() }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try field.u64() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try field.u64() }
                }
                entries.append(Entry(name: name, method: method, flags: flags, crc32: crc,
                                     compressedSize: Int(clamping: compressedSize), size: Int(clamping: size),
                                     localHeaderOffset: Int(clamping: localOffset)))
            }
            self.entries = entries
            var byName: [String: Int] = [:]
            for (i, entry) in entries.enumerated() { byName[entry.name] = i }
            self.byName = byName
        } catch let error as ByteCursor.OutOfBounds {
            throw malformed("truncated directory: \(error)")
        }
    }

    func entry(named name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// The absolute offset and length of a stored member's data.
    func dataRange(of entry: Entry) throws -> Range<Int> {
        let path = file.path
        guard entry.method == 0, entry.flags & 1 == 0 else {
            throw TorchError.compressedEntry(path: path, entry: entry.name, method: entry.method)
        }
        guard entry.compressedSize == entry.size else {
            throw TorchError.malformedZip(path: path, reason: "stored member '\(entry.name)' has differing sizes")
        }
        guard file.contains(offset: entry.localHeaderOffset, count: 30) else {
            throw TorchError.malformedZip(path: path, reason: "local header of '\(entry.name)' lies outside the file")
        }
        var header = ByteCursor(try file.read(offset: entry.localHeaderOffset, count: 30))
        do {
            guard try header.u32() == Self.localSignature else {
                throw TorchError.malformedZip(path: path, reason: "bad local header signature for '\(entry.name)'")
            }
            try header.skip(22)
            let start = entry.localHeaderOffset + 30 + Int(try header.u16()) + Int(try header.u16())
            guard file.contains(offset: start, count: entry.size) else {
                throw TorchError.malformedZip(path: path, reason: "data of '\(entry.name)' (\(entry.size) bytes at \(start)) lies outside the \(file.length)-byte file (truncated?)")
            }
            return start..<start + entry.size
        } catch let error as ByteCursor.OutOfBounds {
            throw TorchError.malformedZip(path: path, reason: "\(error)")
        }
    }

    /// A stored member's bytes, CRC-32 checked.
    func read(_ entry: Entry) throws -> [UInt8] {
        let range = try dataRange(of: entry)
        let bytes = try file.read(offset: range.lowerBound, count: range.count)
        let computed = ZipCRC32.checksum(bytes)
        guard computed == entry.crc32 else {
            throw TorchError.zipChecksumMismatch(path: file.path, entry: entry.name, stored: entry.crc32, computed: computed)
        }
        return bytes
    }
}

/// CRC-32 (ISO-HDLC / ZIP: reflected polynomial 0xEDB88320), byte-at-a-time.
enum ZipCRC32 {
    private static let table: [UInt32] = (0..<256).map { b in
        var crc = UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = (crc >> 8) ^ t[Int((crc ^ UInt32(byte)) & 0xFF)] }
        }
        return ~crc
    }
}

import Foundation
import MirrorCore

/// Errors reading or writing an index file; each names the file.
public enum IndexFileError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// The file does not start with the index magic.
    case notAnIndex(path: String)
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The file is shorter than its header says (or than any index).
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The trailing CRC-32C does not match the contents: the file is corrupted.
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): return "\(path): cannot read index: \(reason)"
        case .cannotWrite(let path, let reason): return "\(path): cannot write index: \(reason)"
        case .notAnIndex(let path): return "\(path): not a mirror index (bad magic)"
        case .unsupportedVersion(let path, let found, let supported):
            return "\(path): index format version \(found) is not supported (this mirror reads version \(supported))"
        case .truncated(let path, let expected, let actual):
            return "\(path): truncated index: expected \(expected) bytes, found \(actual)"
        case .checksumMismatch(let path, let stored, let computed):
            return "\(path): corrupted index: CRC-32C is \(hex(computed)), the file says \(hex(stored))"
        case .malformed(let path, let reason): return "\(path): malformed index: \(reason)"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// The binary index file (`mirror index --out`). Layout (little-endian) in `Docs/FORMATS.md`
/// § "Index file": a 48-byte header, the image entries, zero padding to 8 bytes, the PCA (float64)
/// when present, the vectors, and a CRC-32C of everything before it.
///
/// Version 2 (written) adds flag bit 2, float16 vectors; version 1 (float32 only) still reads.
/// Reading maps the file (`MappedFile`) and leaves the vectors in the mapping, so processes on one
/// node share one copy and a process holds only the pages it touches. The CRC is checked over
/// the whole file first, in chunks whose pages are released from this process afterwards.
extension RetrievalIndex {
    static let magic = Array("MIRRORIX".utf8)
    static let formatVersion = 2
    static let readableVersions = 1...2
    static let headerSize = 48

    /// Flag bits of the header.
    static let pcaFlag: UInt32 = 1, normalizedFlag: UInt32 = 2, halfFlag: UInt32 = 4

    /// Atomically writes the index to `path`, streaming (the vectors are never copied whole).
    public func write(to path: String) throws {
        try Self.write(IndexFileContents(self), to: path)
    }

    /// Writes `contents` atomically to `path`.
    static func write(_ contents: IndexFileContents, to path: String) throws {
        do {
            try AtomicFile.write(to: path) { sink in contents.serialize(into: sink) }
        } catch let error as AtomicFileError {
            if case .cannotWrite(_, let reason) = error { throw IndexFileError.cannotWrite(path: path, reason: reason) }
            throw error
        }
    }

    /// The complete file bytes (format version 2).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        IndexFileContents(self).serialize { out += $0 }
        return out
    }

    /// Maps and verifies an index file; the vectors stay in the mapping.
    /// - Throws: `IndexFileError` (`.notAnIndex`, `.unsupportedVersion`, `.truncated`,
    ///   `.checksumMismatch`, `.malformed`, `.cannotRead`), naming `path`.
    public static func read(from path: String) throws -> RetrievalIndex {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch let error as AtomicFileError {
            if case .cannotRead(_, let reason) = error {
                throw IndexFileError.cannotRead(path: path, reason: reason)
            }
            throw error
        }
        return try decode(file.bytes, path: path, mapping: file)
    }

    /// Parses and verifies index bytes; `path` is used in errors. With `mapping` (whose bytes
    /// `bytes` are) the vectors are left in it; otherwise they are copied out.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, mapping: MappedFile? = nil) throws -> RetrievalIndex {
        let prefix = min(bytes.count, magic.count)
        guard Array(bytes[0..<prefix]) == Array(magic[0..<prefix]) else { throw IndexFileError.notAnIndex(path: path) }
        guard bytes.count >= headerSize + 4 else {
            throw IndexFileError.truncated(path: path, expectedBytes: headerSize + 4, actualBytes: bytes.count)
        }
        var reader = ByteReader(bytes: bytes, position: magic.count)
        let version = Int(reader.u32())
        guard readableVersions.contains(version) else {
            throw IndexFileError.unsupportedVersion(path: path, found: version, supported: formatVersion)
        }
        let flags = reader.u32(), aggregationCode = Int(reader.u32())
        let regions = Int(reader.u32()), countRaw = reader.u64()
        let inputDims = Int(reader.u32()), dims = Int(reader.u32()), namesRaw = reader.u64()
        func malformed(_ reason: String) -> IndexFileError { .malformed(path: path, reason: reason) }
        let knownFlags = version == 1 ? pcaFlag | normalizedFlag : pcaFlag | normalizedFlag | halfFlag
        guard flags & ~knownFlags == 0 else { throw malformed("unknown flags \(flags)") }
        guard aggregationCode < aggregationCodes.count else { throw malformed("unknown aggregation \(aggregationCode)") }
        let hasPCA = flags & pcaFlag != 0
        let precision: RegionVectors.Precision = flags & halfFlag != 0 ? .float16 : .float32
        guard regions > 0, inputDims > 0, dims > 0, hasPCA || dims == inputDims else {
            throw malformed("bad dimensions (R=\(regions), D=\(inputDims), K=\(dims))")
        }
        // Sizes, with overflow checks, before trusting any of them.
        let limit = UInt64(Int.max / 16)
        guard countRaw < limit, namesRaw < limit else { throw malformed("implausible sizes in the header") }
        let count = Int(countRaw), namesLength = Int(namesRaw)
        let pcaValues = hasPCA ? inputDims + dims * inputDims + dims : 0
        let (rows, o1) = count.multipliedReportingOverflow(by: regions)
        let (vectorCount, o2) = rows.multipliedReportingOverflow(by: dims)
        guard !o1, !o2, vectorCount < Int.max / 16, pcaValues < Int.max / 16 else { throw malformed("implausible sizes in the header") }
        let vectorOffset = headerSize + namesLength + padding(namesLength) + pcaValues * 8
        let expected = vectorOffset + vectorCount * precision.size + 4
        guard bytes.count >= expected else {
            throw IndexFileError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
        }
        guard bytes.count == expected else { throw malformed("\(bytes.count - expected) unexpected bytes after the checksum") }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: expected - 4, as: UInt32.self))
        let computed = checksum(bytes, count: expected - 4, releasing: mapping != nil)
        guard stored == computed else { throw IndexFileError.checksumMismatch(path: path, stored: stored, computed: computed) }

        var entries: [String] = []
        entries.reserveCapacity(count)
        let namesEnd = headerSize + namesLength
        for n in 0..<count {
            guard reader.position + 4 <= namesEnd else { throw malformed("image entry \(n) runs past the entry section") }
            let length = Int(reader.u32())
            guard length <= namesEnd - reader.position else { throw malformed("image entry \(n) runs past the entry section") }
            guard let entry = String(validating: bytes[reader.position..<(reader.position + length)], as: UTF8.self) else {
                throw malformed("image entry \(n) is not UTF-8")
            }
            entries.append(entry)
            reader.position += length
        }
        guard reader.position == namesEnd else { throw malformed("the entry section has unused bytes") }
        reader.position = namesEnd + padding(namesLength)
        var pca: PCAModel?
        if hasPCA {
            let mean: [Double] = reader.array(count: inputDims)
            let components: [Double] = reader.array(count: dims * inputDims)
            let variance: [Double] = reader.array(count: dims)
            pca = PCAModel(mean: mean, components: components, explainedVariance: variance)
        }
        let vectors: RegionVectors
        if let mapping {
            vectors = RegionVectors(mapped: mapping, offset: vectorOffset, rows: rows, dims: dims, precision: precision)
        } else if precision == .float16 {
            vectors = RegionVectors(half: reader.array(count: vectorCount), dims: dims)
        } else {
            vectors = RegionVectors(reader.array(count: vectorCount) as [Float], dims: dims)
        }
        return RetrievalIndex(entries: entries, regions: regions, inputDims: inputDims,
                              aggregation: aggregationCodes[aggregationCode], normalizesInput: flags & normalizedFlag != 0,
                              pca: pca, vectors: vectors)
    }

    /// CRC-32C of the first `count` bytes. For a mapping, each 64 MiB chunk's pages are dropped
    /// from this process after it is read (`MADV_DONTNEED` keeps them in the shared page cache),
    /// so verifying a 2 GB index does not make it resident here.
    private static func checksum(_ bytes: UnsafeRawBufferPointer, count: Int, releasing: Bool) -> UInt32 {
        let chunk = 64 << 20
        var crc: UInt32 = 0
        for start in stride(from: 0, to: count, by: chunk) {
            let part = UnsafeRawBufferPointer(rebasing: bytes[start..<min(count, start + chunk)])
            crc = CRC32C.extend(crc, part)
            if releasing && part.count == chunk {
                madvise(UnsafeMutableRawPointer(mutating: part.baseAddress!), part.count, MADV_DONTNEED)
            }
        }
        return crc
    }

    /// Aggregation codes stored in the header.
    static let aggregationCodes: [FeatureSet.Aggregation] = [.regional, .rmac, .mac]

    static func padding(_ length: Int) -> Int { (8 - length % 8) % 8 }
}

/// What an index file holds, with the vectors in one or more parts (an index and the images
/// `index --add` appends), all of one precision. `serialize` produces the format-2 bytes in
/// pieces and the CRC on the way, so writing needs no copy of the vectors.
struct IndexFileContents {
    var entries: [String]
    var regions: Int
    var inputDims: Int
    var aggregation: FeatureSet.Aggregation
    var normalizesInput: Bool
    var pca: PCAModel?
    var parts: [RegionVectors]

    init(_ index: RetrievalIndex) {
        entries = index.entries
        regions = index.regions
        inputDims = index.inputDims
        aggregation = index.aggregation
        normalizesInput = index.normalizesInput
        pca = index.pca
        parts = [index.vectors]
    }

    func serialize(into sink: (UnsafeRawBufferPointer) -> Void) {
        precondition(Set(parts.map(\.precision)).count <= 1, "vector parts of mixed precision")
        let precision = parts.first?.precision ?? .float32
        let dims = pca?.outputDims ?? inputDims
        var crc: UInt32 = 0
        func emit(_ bytes: UnsafeRawBufferPointer) {
            crc = CRC32C.extend(crc, bytes)
            sink(bytes)
        }
        func emit<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { emit($0) } }
        var names: [UInt8] = []
        for entry in entries {
            let utf8 = Array(entry.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { names += $0 }
            names += utf8
        }
        RetrievalIndex.magic.withUnsafeBytes { emit($0) }
        emit(UInt32(RetrievalIndex.formatVersion))
        emit((pca != nil ? RetrievalIndex.pcaFlag : 0) | (normalizesInput ? RetrievalIndex.normalizedFlag : 0)
             | (precision == .float16 ? RetrievalIndex.halfFlag : 0))
        emit(UInt32(RetrievalIndex.aggregationCodes.firstIndex(of: aggregation)!))
        emit(UInt32(regions))
        emit(UInt64(entries.count))
        emit(UInt32(inputDims))
        emit(UInt32(dims))
        emit(UInt64(names.count))
        (names + [UInt8](repeating: 0, count: RetrievalIndex.padding(names.count))).withUnsafeBytes { emit($0) }
        if let pca {
            for array in [pca.mean, pca.components, pca.explainedVariance] { array.withUnsafeBytes { emit($0) } }
        }
        let chunkRows = max(1, (16 << 20) / max(1, dims * precision.size))
        for part in parts {
            precondition(part.dims == dims, "vector part of \(part.dims) dims in an index of \(dims)")
            part.withRows { reader in
                guard let base = reader.base else { return }
                for start in stride(from: 0, to: part.rows, by: chunkRows) {
                    let rows = min(chunkRows, part.rows - start)
                    emit(UnsafeRawBufferPointer(start: base + start * dims * precision.size, count: rows * dims * precision.size))
                }
            }
        }
        withUnsafeBytes(of: crc.littleEndian) { sink($0) }
    }
}

/// Sequential little-endian reads from a buffer whose size was already validated.
private struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    mutating func u32() -> UInt32 { read(UInt32.self) }
    mutating func u64() -> UInt64 { read(UInt64.self) }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) -> T {
        defer { position += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    mutating func array<T>(count: Int) -> [T] {
        let size = MemoryLayout<T>.stride
        defer { position += count * size }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count * size)]))
            initialized = count
        }
    }
}

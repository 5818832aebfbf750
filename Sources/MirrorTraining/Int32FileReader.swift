#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a binary file of little-endian int32 fields front to back through a fixed buffer,
/// knowing the file's length and its own offset, so a parser can refuse a corrupt count before
/// it allocates anything.
///
/// Why not load the file: GL3D's `train_list_with_mask.bin` stores 392 mask bytes per positive
/// (SPEC §8.1) that training never uses; with tens of positives per record the file can run to
/// gigabytes, and ``skip(_:_:)`` steps over the masks without reading them into memory.
///
/// Every failure is a `TrainingError.malformed` naming the file and the offset where the field
/// that could not be read starts.
struct Int32FileReader: ~Copyable {
    let path: String
    /// File length in bytes when it was opened.
    let length: Int
    /// Offset of the next unread byte.
    private(set) var offset = 0

    private let descriptor: Int32
    private var buffer: [UInt8]
    /// The file offset of `buffer[0]` and the number of valid bytes in it.
    private var bufferStart = 0
    private var bufferCount = 0

    /// Opens `path` for reading.
    /// - Throws: `TrainingError.unreadable` if it is missing, not a regular file or unreadable.
    init(path: String, bufferSize: Int = 1 << 20) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TrainingError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TrainingError.unreadable(path: path, reason: reason)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw TrainingError.unreadable(path: path, reason: "not a regular file")
        }
        self.path = path
        self.descriptor = fd
        self.length = Int(info.st_size)
        self.buffer = [UInt8](repeating: 0, count: max(bufferSize, 4))
    }

    deinit { close(descriptor) }

    /// Bytes left after `offset`.
    var remaining: Int { length - offset }

    /// The next field, a little-endian int32 named `what` in messages (built only on failure).
    mutating func int32(_ what: @autoclosure () -> String) throws -> Int32 {
        guard remaining >= 4 else {
            throw malformed(at: offset, "the file ends inside \(what()): it needs 4 bytes, \(remaining) remain")
        }
        try fill(4)
        let i = offset - bufferStart
        let value = UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8 | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24
        offset += 4
        return Int32(bitPattern: value)
    }

    /// Steps over `count` bytes named `what` without reading them.
    mutating func skip(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw malformed(at: offset, "the file ends inside \(what): it needs \(count) bytes, \(remaining) remain")
        }
        offset += count
    }

    /// A `TrainingError.malformed` for this file.
    func malformed(at offset: Int, _ reason: String) -> TrainingError {
        .malformed(path: path, offset: offset, reason: reason)
    }

    /// Makes `buffer` hold at least `count` bytes from `offset` (the caller checked they exist).
    private mutating func fill(_ count: Int) throws {
        if offset >= bufferStart && offset + count <= bufferStart + bufferCount { return }
        bufferStart = offset
        bufferCount = 0
        let wanted = min(buffer.count, length - offset)
        while bufferCount < wanted {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + bufferCount, wanted - bufferCount, off_t(bufferStart + bufferCount))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                let reason = got < 0 ? String(cString: strerror(errno)) : "the file shrank while being read"
                throw TrainingError.unreadable(path: path, reason: reason)
            }
            bufferCount += got
        }
        guard bufferCount >= count else {
            throw TrainingError.unreadable(path: path, reason: "the file shrank while being read")
        }
    }
}

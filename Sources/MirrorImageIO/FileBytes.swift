#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole image file into memory with plain POSIX calls, so every failure carries the
/// operating system's own reason (`strerror`) and a directory or device is refused up front.
enum FileBytes {
    /// Largest file mirror reads (1 GiB). A 100-megapixel image (`ImageDecoder.maxPixels`) is at
    /// most ~800 MB even as an incompressible 16-bit RGBA PNG, so anything larger cannot be a
    /// decodable image; refusing it early keeps a mistaken path (a video, a disk image) from
    /// being read into memory.
    static let maxBytes = 1 << 30

    /// The file's bytes (possibly none; the caller decides what an empty file means).
    ///
    /// - Throws: `ImageIOError.unreadable` if the path is missing, not a regular file, larger than
    ///   `maxBytes`, or a read fails.
    static func load(path: String) throws(ImageIOError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not hang waiting for a writer; we refuse it below anyway.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path: path, reason: lastErrorText()) }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: lastErrorText()) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .unreadable(path: path, reason: "is a directory")
        default: throw .unreadable(path: path, reason: "not a regular file")
        }
        let declared = Int(info.st_size)
        guard declared <= maxBytes else { throw tooBig(path) }

        // Size the buffer from fstat, but read to end-of-file in case the file grew meanwhile.
        var bytes = [UInt8](repeating: 0, count: max(declared, 1))
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count < maxBytes else { throw tooBig(path) }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, maxBytes - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreadable(path: path, reason: lastErrorText())
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    private static func tooBig(_ path: String) -> ImageIOError {
        .unreadable(path: path, reason: "file is larger than mirror's \(maxBytes >> 30) GiB input limit")
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

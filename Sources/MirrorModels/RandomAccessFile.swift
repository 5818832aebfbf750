import Foundation
import MirrorCore

/// A read-only file read at arbitrary offsets with `pread`, so that checkpoint readers fetch one
/// tensor at a time instead of loading multi-hundred-megabyte data files; `pread` keeps no file
/// position, so concurrent reads are safe. The descriptor is closed in `deinit`.
final class RandomAccessFile: @unchecked Sendable {
    let path: String
    /// File length in bytes, taken when the file is opened.
    let length: Int
    private let descriptor: Int32

    /// Opens `path`; throws `AtomicFileError.cannotRead` naming it.
    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw AtomicFileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw AtomicFileError.cannotRead(path: path, reason: "not a regular file")
        }
        self.path = path
        self.descriptor = fd
        self.length = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Whether `count` bytes starting at `offset` lie inside the file.
    func contains(offset: Int, count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= length && count <= length - offset
    }

    /// Reads exactly `count` bytes at `offset`. The caller bounds-checks against `length` first
    /// (to report its own typed error); a short read here means the file shrank or failed.
    func read(offset: Int, count: Int) throws -> [UInt8] {
        guard contains(offset: offset, count: count) else {
            throw AtomicFileError.cannotRead(path: path, reason: "\(count) bytes at offset \(offset) lie past the end (\(length) bytes)")
        }
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = result.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                let reason = got < 0 ? String(cString: strerror(errno)) : "unexpected end of file"
                throw AtomicFileError.cannotRead(path: path, reason: reason)
            }
            done += got
        }
        return result
    }
}

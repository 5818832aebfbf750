import Foundation

/// A whole file mapped read-only into memory (`mmap(PROT_READ, MAP_SHARED)`).
///
/// Why: a large index is read by several processes on one node (query shards, `pairs` beside
/// `eval`). A shared read-only mapping lets them use one copy in the page cache, and a process's
/// resident memory holds only the pages it touches instead of a private copy of the file.
/// The mapping lives as long as this object; rows handed out from it must not outlive it.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// Start of the mapping (nil for an empty file).
    public let base: UnsafeRawPointer?
    public let count: Int

    /// Maps `path`. Throws `AtomicFileError.cannotRead` naming the file.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw AtomicFileError.cannotRead(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw AtomicFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw AtomicFileError.cannotRead(path: path, reason: status.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "not a regular file")
        }
        count = Int(status.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        guard let pointer = mmap(nil, count, PROT_READ, MAP_SHARED, fd, 0), pointer != MAP_FAILED else {
            throw AtomicFileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(pointer)
    }

    /// The mapped bytes (valid while `self` lives).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}

import Foundation

/// Writes files so that a reader (or a re-run after a crash) sees either the old file or the
/// complete new one, never a partial file: the bytes go to a temporary file in the destination's
/// folder, are flushed, and are renamed over the destination (rename is atomic within a file system).
///
/// Temporary names are `.<name>.<random>.partial` beside the destination, so an interrupted run
/// leaves at most one such file per output, which `removePartials(of:)` cleans up on the next run.
public enum AtomicFile {
    public static let partialSuffix = ".partial"

    /// Atomically replaces `path` with `bytes`. Throws `AtomicFileError` naming the path.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { sink in bytes.withUnsafeBytes { sink($0) } }
    }

    /// Atomically replaces `path` with what `body` hands to its sink, piece by piece, so a large
    /// file (an index) is never held in memory whole. A failed write is reported after `body`
    /// returns (later pieces are skipped). Throws `AtomicFileError` naming the path,
    /// or what `body` throws; either way the destination is untouched and the temporary removed.
    public static func write(to path: String, streaming body: ((UnsafeRawBufferPointer) -> Void) throws -> Void) throws {
        let temporary = temporaryPath(besides: path)
        guard let handle = fopen(temporary, "wb") else {
            throw AtomicFileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        do {
            try body { piece in
                guard failure == nil, piece.count > 0 else { return }
                if fwrite(piece.baseAddress, 1, piece.count, handle) != piece.count { failure = String(cString: strerror(errno)) }
            }
        } catch {
            fclose(handle)
            unlink(temporary)
            throw error
        }
        if failure == nil && (fflush(handle) != 0 || fsync(fileno(handle)) != 0) { failure = String(cString: strerror(errno)) }
        if fclose(handle) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw AtomicFileError.cannotWrite(path: path, reason: failure)
        }
        try commit(temporary, to: path)
    }

    /// Atomically replaces `path` with the file at `temporaryPath` (for writers such as HDF5
    /// that need a path of their own); the temporary file should live in the same folder.
    public static func commit(_ temporaryPath: String, to path: String) throws {
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw AtomicFileError.cannotWrite(path: path, reason: reason)
        }
    }

    /// A temporary path beside `path` following the `.name.XXXX.partial` convention.
    public static func temporaryPath(besides path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + "."
            + UUID().uuidString.prefix(8) + partialSuffix
    }

    /// Removes leftover temporary files of `path` (from a killed earlier write). Only this output's
    /// own temporaries are touched, so concurrent writers of other outputs in the folder are safe.
    public static func removePartials(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(partialSuffix)
            && name.count == prefix.count + 8 + partialSuffix.count {
            unlink(directory + "/" + name)
        }
    }

    /// Reads a whole file. Throws `AtomicFileError.cannotRead` naming the path.
    public static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AtomicFileError.cannotRead(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw AtomicFileError.cannotRead(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AtomicFileError.cannotRead(path: path, reason: "permission denied or unreadable")
        }
        return [UInt8](data)
    }
}

public enum AtomicFileError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .cannotRead(let path, let reason): return "\(path): cannot read: \(reason)"
        }
    }
}

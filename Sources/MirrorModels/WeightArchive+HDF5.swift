import Foundation
import MirrorCore

/// Reading and writing weight archives as HDF5 files (layout in Docs/FORMATS.md).
extension WeightArchive {
    /// Root attribute names, shared by reader, writer and the format document.
    enum Attribute {
        static let architecture = "architecture"
        static let mean = "mean"
        static let std = "std"
        static let channelOrder = "channel_order"
        static let bnEpsilon = "bn_epsilon"
        static let source = "source"
        static let contentSHA256 = "content_sha256"
        /// Optional: JSON provenance of a snapshot written by `mirror train`.
        static let training = "training"
        /// Optional: JSON of the settings the weights were validated at (`ValidatedExtraction`).
        static let extraction = "extraction"
        /// Optional: JSON of a matchability calibration (`mirror calibrate`, `mirror convert --calibration`).
        static let calibration = "calibration"
    }

    /// The 8-byte signature at the start of every HDF5 file without a user block.
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `path` is a readable regular file that starts with the HDF5 signature.
    public static func isWeightFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 8)).map { [UInt8]($0) == hdf5Signature } ?? false
    }

    /// Writes the archive to `path` atomically: the file is built beside `path` under a
    /// temporary `.name.XXXX.partial` name, flushed to disk, then renamed over `path`, so readers
    /// see the old file or the complete new one and a failure leaves nothing behind.
    ///
    /// Datasets are float32 little-endian, written in name order; `content_sha256` is computed
    /// from the tensors being written.
    ///
    /// - Throws: `WeightError.invalidTensorName` before touching the disk, or
    ///   `WeightError.cannotWrite` naming `path` with the underlying reason.
    public func write(to path: String) throws {
        if let bad = tensors.keys.sorted().first(where: { !Self.isStorableName($0) }) {
            throw WeightError.invalidTensorName(path: path, name: bad)
        }
        let temporary = AtomicFile.temporaryPath(besides: path)
        var file: HDF5File?
        do {
            let created = try HDF5File(creating: temporary, exclusive: true)
            file = created
            try created.setAttribute(Attribute.architecture, string: architecture)
            try created.setAttribute(Attribute.mean, floats: normalization.mean)
            try created.setAttribute(Attribute.std, floats: normalization.std)
            try created.setAttribute(Attribute.channelOrder, string: normalization.channelOrder.rawValue)
            try created.setAttribute(Attribute.bnEpsilon, floats: [bnEpsilon], scalar: true)
            try created.setAttribute(Attribute.source, string: source)
            try created.setAttribute(Attribute.contentSHA256, string: contentSHA256)
            if let training { try created.setAttribute(Attribute.training, string: training) }
            if let extraction { try created.setAttribute(Attribute.extraction, string: extraction.json) }
            if let calibration { try created.setAttribute(Attribute.calibration, string: calibration) }
            for name in tensors.keys.sorted() {
                let tensor = tensors[name]!
                try created.writeFloats(tensor.data, shape: tensor.shape, at: name)
            }
            try created.close()
            try Self.synchronize(temporary)
            try AtomicFile.commit(temporary, to: path)
        } catch {
            try? file?.close()
            unlink(temporary)
            let reason: String
            switch error {
            case HDF5Error.callFailed(_, let operation, let stack): reason = "HDF5 could not \(operation): \(stack)"
            case AtomicFileError.cannotWrite(_, let why): reason = why
            default: reason = String(describing: error)
            }
            throw WeightError.cannotWrite(path: path, reason: reason)
        }
    }

    /// Reads and verifies the weight file at `path`: HDF5 signature, required root attributes,
    /// every dataset as a float32 tensor, and the tensors against `content_sha256`.
    ///
    /// - Parameter architecture: when given, the file must declare this architecture; checked
    ///   before the tensors are loaded so that a wrong file fails fast.
    /// - Throws: `WeightError` naming `path`: `.cannotOpen`, `.notHDF5`, `.hdf5` (e.g. a truncated
    ///   file), `.missingAttribute`, `.invalidAttribute`, `.architectureMismatch`, `.hashMismatch`.
    public static func read(from path: String, architecture expected: String? = nil) throws -> WeightArchive {
        try checkSignature(path)
        do {
            let file = try HDF5File(readingFrom: path)
            defer { try? file.close() }
            let architecture = try requiredString(Attribute.architecture, in: file)
            if let expected, expected != architecture {
                throw WeightError.architectureMismatch(path: path, expected: expected, actual: architecture)
            }
            let mean = try requiredFloats(Attribute.mean, count: 3, in: file)
            let std = try requiredFloats(Attribute.std, count: 3, in: file)
            let orderText = try requiredString(Attribute.channelOrder, in: file)
            guard let order = ChannelOrder(rawValue: orderText) else {
                let allowed = ChannelOrder.allCases.map(\.rawValue).joined(separator: " or ")
                throw WeightError.invalidAttribute(path: path, name: Attribute.channelOrder,
                                                   reason: "'\(orderText)' is not \(allowed)")
            }
            let epsilon = try requiredFloats(Attribute.bnEpsilon, count: 1, in: file)[0]
            let source = try requiredString(Attribute.source, in: file)
            let storedHash = try requiredString(Attribute.contentSHA256, in: file)
            let training = try file.stringAttribute(Attribute.training)
            let calibration = try file.stringAttribute(Attribute.calibration)
            var extraction: ValidatedExtraction?
            if let text = try file.stringAttribute(Attribute.extraction) {
                switch ValidatedExtraction.parse(text) {
                case .success(let value): extraction = value
                case .failure(let failure):
                    throw WeightError.invalidAttribute(path: path, name: Attribute.extraction, reason: failure.reason)
                }
            }

            var tensors: [String: Tensor] = [:]
            for name in try file.datasetPaths() {
                let (shape, values) = try file.readFloats(at: name)
                tensors[name] = Tensor(shape: shape, data: values)
            }
            let computed = contentSHA256(of: tensors)
            guard storedHash.lowercased() == computed else {
                throw WeightError.hashMismatch(path: path, stored: storedHash, computed: computed)
            }
            return WeightArchive(architecture: architecture,
                                 normalization: InputNormalization(mean: mean, std: std, channelOrder: order),
                                 bnEpsilon: epsilon, source: source, tensors: tensors, training: training,
                                 extraction: extraction, calibration: calibration, origin: path)
        } catch let error as HDF5Error {
            throw WeightError.hdf5(error)
        }
    }

    /// Fails with `.notHDF5` unless the file starts with the HDF5 signature: HDF5's own message
    /// for a foreign file is a deep stack, this one says plainly what is wrong.
    private static func checkSignature(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WeightError.cannotOpen(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw WeightError.cannotOpen(path: path, reason: "is a directory") }
        guard let handle = fopen(path, "rb") else {
            throw WeightError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(handle) }
        var head = [UInt8](repeating: 0, count: hdf5Signature.count)
        guard fread(&head, 1, head.count, handle) == head.count, head == hdf5Signature else {
            throw WeightError.notHDF5(path: path)
        }
    }

    /// Flushes a finished file to stable storage so the rename that follows cannot expose an
    /// empty file after a crash (HDF5 closes files without fsync).
    private static func synchronize(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw AtomicFileError.cannotWrite(path: path, reason: "fsync failed: \(reason)")
        }
        close(descriptor)
    }

    private static func requiredString(_ name: String, in file: HDF5File) throws -> String {
        guard let value = try file.stringAttribute(name) else {
            throw WeightError.missingAttribute(path: file.path, name: name)
        }
        return value
    }

    private static func requiredFloats(_ name: String, count: Int, in file: HDF5File) throws -> [Float] {
        guard let values = try file.floatsAttribute(name) else {
            throw WeightError.missingAttribute(path: file.path, name: name)
        }
        guard values.count == count else {
            throw WeightError.invalidAttribute(path: file.path, name: name,
                                               reason: "holds \(values.count) values, expected \(count)")
        }
        return values
    }
}

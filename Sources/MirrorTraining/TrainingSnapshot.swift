import Foundation
import MirrorCore
import MirrorModels

/// What a snapshot records besides the weights, stored as JSON in its state file.
public struct SnapshotInfo: Codable, Equatable, Sendable {
    /// Completed steps: the weights are those after steps `0..<step`.
    public var step: Int
    public var architecture: String
    public var widthDivisor: Int
    public var hyperparameters: TrainingHyperparameters
    /// `content_sha256` of the weight file written with this state: a state is only ever paired
    /// with the weights it was saved with.
    public var weightsSHA256: String
    /// Engine and threads of the run (a resumed run on another engine continues, but is no longer
    /// byte-identical to an uninterrupted one).
    public var backend: String
    public var threads: Int
    /// The training data (`--gl3d ROOT` or the pairs files).
    public var data: String
    /// Where the run's initial weights came from.
    public var initialWeights: String

    public init(step: Int, architecture: String, widthDivisor: Int, hyperparameters: TrainingHyperparameters,
                weightsSHA256: String, backend: String, threads: Int, data: String, initialWeights: String) {
        self.step = step
        self.architecture = architecture
        self.widthDivisor = widthDivisor
        self.hyperparameters = hyperparameters
        self.weightsSHA256 = weightsSHA256
        self.backend = backend
        self.threads = threads
        self.data = data
        self.initialWeights = initialWeights
    }
}

/// One snapshot on disk: `SAVE_DIR/model-STEP.h5`, the HDF5 weight file `extract --weights` reads
/// (provenance in its `training` attribute), and `SAVE_DIR/state-STEP.bin`, the optimizer state and
/// `SnapshotInfo` that `--resume` needs to continue byte-exactly (Docs/FORMATS.md, "Training
/// snapshots"). Each file is written atomically, state first, so a run killed at any instant
/// leaves complete pairs only; an unpaired or damaged file is skipped with a warning when
/// resuming, never deleted.
public struct TrainingSnapshot {
    public let directory: String
    public let step: Int

    public init(directory: String, step: Int) {
        self.directory = directory
        self.step = step
    }

    public var weightsPath: String { (directory as NSString).appendingPathComponent("model-\(step).h5") }
    public var statePath: String { (directory as NSString).appendingPathComponent("state-\(step).bin") }

    /// State file layout: magic `MIRTRAIN`, uint32 LE version, uint32 LE JSON length, uint32 LE
    /// CRC-32C of the JSON, the JSON, then the optimizer state (`OptimizerState.encoded`, which
    /// carries its own length and checksum).
    static let magic = Array("MIRTRAIN".utf8)
    static let version: UInt32 = 1

    /// Writes both files atomically (state, then weights).
    public func write(weights: WeightArchive, info: SnapshotInfo, optimizer: OptimizerState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(info))
        var bytes = Self.magic
        for value in [Self.version, UInt32(json.count), CRC32C.checksum(json)] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes += json
        bytes += optimizer.encoded()
        do {
            try AtomicFile.write(bytes, to: statePath)
        } catch {
            throw TrainingError.unreadable(path: statePath, reason: "cannot write the snapshot state: \(error)")
        }
        try weights.write(to: weightsPath)
    }

    /// Reads the state file.
    ///
    /// - Throws: `TrainingError.unreadable`, or `.malformed` naming the byte offset.
    public func readState() throws -> (info: SnapshotInfo, optimizer: OptimizerState) {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(statePath) } catch {
            throw TrainingError.unreadable(path: statePath, reason: "\(error)")
        }
        let header = Self.magic.count + 12
        guard bytes.count >= header else {
            throw TrainingError.malformed(path: statePath, offset: bytes.count, reason: "truncated: \(bytes.count) bytes, the header takes \(header)")
        }
        guard Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw TrainingError.malformed(path: statePath, offset: 0, reason: "not a mirror training state (no MIRTRAIN magic)")
        }
        func word(_ offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
        }
        let base = Self.magic.count
        guard word(base) == Self.version else {
            throw TrainingError.malformed(path: statePath, offset: base, reason: "version \(word(base)), this mirror reads \(Self.version)")
        }
        let length = Int(word(base + 4))
        guard length <= bytes.count - header else {
            throw TrainingError.malformed(path: statePath, offset: base + 4, reason: "the JSON length \(length) runs past the end")
        }
        let json = Array(bytes[header..<header + length])
        guard CRC32C.checksum(json) == word(base + 8) else {
            throw TrainingError.malformed(path: statePath, offset: header, reason: "the snapshot description fails its checksum")
        }
        let info: SnapshotInfo
        do { info = try JSONDecoder().decode(SnapshotInfo.self, from: Data(json)) } catch {
            throw TrainingError.malformed(path: statePath, offset: header, reason: "unreadable snapshot description: \(error)")
        }
        let optimizer = try OptimizerState(decoding: Array(bytes[(header + length)...]), source: statePath)
        return (info, optimizer)
    }

    /// Every `model-N.h5` with its `state-N.bin` in `directory`, newest first.
    public static func all(in directory: String) -> [TrainingSnapshot] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let present = Set(names)
        let steps = names.compactMap { name -> Int? in
            guard name.hasPrefix("model-"), name.hasSuffix(".h5") else { return nil }
            return Int(name.dropFirst("model-".count).dropLast(".h5".count))
        }
        return steps.filter { present.contains("state-\($0).bin") }.sorted(by: >)
            .map { TrainingSnapshot(directory: directory, step: $0) }
    }
}

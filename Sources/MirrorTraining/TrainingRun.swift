import Foundation
import MirrorCore
import MirrorModels

/// Where and how long a run goes (the seed's `--save_dir`, `--max_steps`, `--snapshot`).
public struct TrainingSchedule: Sendable {
    public var saveDirectory: String
    /// Total steps of the run, counted from step 0 (a resumed run stops at the same step).
    public var maxSteps: Int
    /// Snapshot every this many steps, and always after the last one.
    public var snapshotEvery: Int
    /// Snapshots to keep on disk, newest first (0: all); the seed's Saver keeps 5.
    public var keepSnapshots: Int

    public init(saveDirectory: String, maxSteps: Int, snapshotEvery: Int = 1000, keepSnapshots: Int = 5) {
        self.saveDirectory = saveDirectory
        self.maxSteps = maxSteps
        self.snapshotEvery = snapshotEvery
        self.keepSnapshots = keepSnapshots
    }
}

/// The training loop: batches from the loader, one `TrainingStep` each, the log, and snapshots.
///
/// Exact resume: a step's batch depends only on (seed, step) (`TrainingRandom`), and a snapshot
/// holds the weights and the optimizer state bit for bit, so a run killed at any moment and
/// resumed from its last snapshot ends with the same bytes as one that never stopped (same engine
/// and threads: the engines' reductions are deterministic for a given thread count).
public final class TrainingRun {
    public let trainer: TrainingStep
    public let loader: TrainingBatchLoader
    public let schedule: TrainingSchedule
    /// The description every snapshot's state carries (its step and weight hash are filled in).
    public let template: SnapshotInfo
    /// Steps completed so far.
    public private(set) var completed: Int

    public init(trainer: TrainingStep, loader: TrainingBatchLoader, schedule: TrainingSchedule, template: SnapshotInfo,
                completed: Int = 0) {
        precondition(schedule.maxSteps >= 0 && schedule.snapshotEvery > 0)
        self.trainer = trainer
        self.loader = loader
        self.schedule = schedule
        self.template = template
        self.completed = completed
    }

    /// Trains until `maxSteps`, calling `onStep` after every step and `onSnapshot` after every
    /// snapshot written. A failure (bad data beyond the loader's budget, a non-finite loss) stops
    /// the run with the last snapshot intact.
    public func run(log: TrainingLog?, onStep: (StepReport) -> Void = { _ in },
                    onSnapshot: (TrainingSnapshot) -> Void = { _ in }) throws {
        while completed < schedule.maxSteps {
            let batch = try loader.load(step: completed)
            let report = try trainer.run(step: completed, images: batch.images)
            completed += 1
            log?.append(report)
            onStep(report)
            if completed % schedule.snapshotEvery == 0 || completed == schedule.maxSteps {
                onSnapshot(try saveSnapshot())
            }
        }
    }

    /// Writes snapshot `completed` and prunes old ones beyond `keepSnapshots`.
    @discardableResult
    public func saveSnapshot() throws -> TrainingSnapshot {
        let snapshot = TrainingSnapshot(directory: schedule.saveDirectory, step: completed)
        var info = template
        info.step = completed
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let provenance = String(decoding: try encoder.encode(info), as: UTF8.self)
        let archive = trainer.network.archive(source: "mirror train, step \(completed), from \(template.initialWeights)",
                                              training: provenance)
        info.weightsSHA256 = archive.contentSHA256
        try snapshot.write(weights: archive, info: info, optimizer: trainer.optimizer.state)
        if schedule.keepSnapshots > 0 {
            for old in TrainingSnapshot.all(in: schedule.saveDirectory).dropFirst(schedule.keepSnapshots) {
                try? FileManager.default.removeItem(atPath: old.weightsPath)
                try? FileManager.default.removeItem(atPath: old.statePath)
            }
        }
        return snapshot
    }
}

/// A snapshot read back for `--resume`: its weights, optimizer state and description.
public struct ResumePoint {
    public let snapshot: TrainingSnapshot
    public let info: SnapshotInfo
    public let weights: WeightArchive
    public let optimizer: OptimizerState

    /// Reads one snapshot and checks it against the run that wants to continue it.
    ///
    /// - Throws: the file's own errors, or `TrainingError.incompatibleSnapshot` listing every
    ///   hyper-parameter that differs, another architecture, or weights that are not the ones
    ///   the state was saved with.
    public static func read(_ snapshot: TrainingSnapshot, architecture: Architecture, widthDivisor: Int,
                            hyperparameters: TrainingHyperparameters) throws -> ResumePoint {
        let (info, optimizer) = try snapshot.readState()
        var problems: [String] = []
        if info.architecture != architecture.rawValue || info.widthDivisor != widthDivisor {
            problems.append("it trains \(info.architecture) (width ÷\(info.widthDivisor)), this run \(architecture.rawValue) (÷\(widthDivisor))")
        }
        problems += info.hyperparameters.differences(from: hyperparameters).map { "snapshot \($0) (this run)" }
        guard problems.isEmpty else {
            throw TrainingError.incompatibleSnapshot(path: snapshot.statePath, reason: problems.joined(separator: "; "))
        }
        let weights = try WeightArchive.read(from: snapshot.weightsPath, architecture: architecture.rawValue)
        guard weights.contentSHA256 == info.weightsSHA256 else {
            throw TrainingError.unusableData(path: snapshot.weightsPath,
                                             reason: "these weights are not the ones state-\(snapshot.step).bin was saved with")
        }
        return ResumePoint(snapshot: snapshot, info: info, weights: weights, optimizer: optimizer)
    }

    /// The newest snapshot in `directory` that reads back and fits the run; damaged or unpaired
    /// snapshots are reported through `skipped` and passed over (never deleted), so one corrupt
    /// file costs one snapshot interval, not the run. Settings that differ are an error, not a
    /// reason to fall back to an older snapshot.
    public static func latest(in directory: String, architecture: Architecture, widthDivisor: Int,
                              hyperparameters: TrainingHyperparameters,
                              skipped: (TrainingSnapshot, Error) -> Void) throws -> ResumePoint? {
        for snapshot in TrainingSnapshot.all(in: directory) {
            do {
                return try read(snapshot, architecture: architecture, widthDivisor: widthDivisor,
                                hyperparameters: hyperparameters)
            } catch let error as TrainingError {
                if case .incompatibleSnapshot = error { throw error }
                skipped(snapshot, error)
            } catch {
                skipped(snapshot, error)
            }
        }
        return nil
    }
}

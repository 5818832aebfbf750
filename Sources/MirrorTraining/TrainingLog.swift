import Foundation

/// `SAVE_DIR/train_log.jsonl`: one JSON object per step, appended as the run goes, so a plot or
/// a `jq` query can follow a run while it trains (Docs/FORMATS.md, "Training log").
///
/// Fields: `step` (completed steps, the number of the snapshot these weights would be), `loss`
/// (total objective), `data_loss`, `weight_decay_loss`, `lr`, `seconds`, `images_per_second`, and
/// `terms`: `{stage, term, loss, accuracy}` per stage and term (the seed's EASY/WEAK/HARD display
/// lines). On `--resume` from snapshot K the lines of steps after K are dropped first, so the log
/// always describes the weights on disk and never repeats a step.
public final class TrainingLog {
    public let path: String
    private let handle: FileHandle

    /// Opens the log for appending, keeping only the lines of steps ≤ `keepThrough`.
    public init(path: String, keepThrough: Int) throws {
        self.path = path
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let kept = text.split(separator: "\n").filter { line in
                guard let data = line.data(using: .utf8),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let step = object["step"] as? Int else { return false }
                return step <= keepThrough
            }
            let rewritten = kept.map { $0 + "\n" }.joined()
            do { try rewritten.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw TrainingError.unreadable(path: path, reason: "cannot rewrite the training log: \(error)")
            }
        } else if !manager.createFile(atPath: path, contents: nil) {
            throw TrainingError.unreadable(path: path, reason: "cannot create the training log")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError.unreadable(path: path, reason: "cannot open the training log for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func append(_ report: StepReport) {
        let terms: [[String: Any]] = report.terms.map {
            ["stage": $0.stage, "term": $0.term, "loss": $0.loss, "accuracy": $0.accuracy]
        }
        let object: [String: Any] = [
            "step": report.step + 1, "loss": report.totalLoss, "data_loss": report.dataLoss,
            "weight_decay_loss": report.weightDecayLoss, "lr": report.learningRate, "seconds": report.seconds,
            "images_per_second": Double(report.images) / max(report.seconds, 1e-9), "terms": terms,
        ]
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        data.append(0x0A)
        handle.write(data)
    }
}

import Foundation
import MirrorCore

/// Runs feature extraction over a list of images so that one bad image never costs the run:
/// each failure is recorded with its reason and the rest continue; every output is written
/// atomically (an interrupted run leaves no partial file); images whose output already exists with
/// the expected shape are skipped, so a re-run resumes where a killed run stopped.
///
/// Decoding and preprocessing (`prepare`) run on a prefetch thread that stays at most `lookahead`
/// images ahead of the network (`compute`), so decode time hides behind the network and memory stays
/// bounded by `lookahead` prepared inputs whatever the list length.
struct BatchExtractor<Prepared> {
    struct Failure: Equatable {
        let image: String
        let reason: String
    }

    struct Summary {
        var written = 0
        var skipped = 0
        var failures: [Failure] = []
    }

    let images: [String]
    let outputs: [String]
    /// `[D, R]` of every feature file; existing files of another shape are recomputed.
    let expectedShape: [Int]
    let overwrite: Bool
    var lookahead = 2
    let prepare: (String) throws -> Prepared
    let compute: (Prepared) throws -> Tensor

    func run(progress: ProgressReporter?) -> Summary {
        var summary = Summary()
        var pending: [Int] = []
        for index in images.indices {
            AtomicFile.removePartials(of: outputs[index])
            if !overwrite && Self.isValidOutput(outputs[index], shape: expectedShape) {
                summary.skipped += 1
            } else {
                pending.append(index)
            }
        }
        progress?.start(total: images.count, alreadyDone: summary.skipped)
        let buffer = BoundedBuffer<(Int, Result<Prepared, Error>)>(capacity: max(1, lookahead))
        let jobs = pending
        let producer = Thread { [prepare, images] in
            for index in jobs {
                let prepared = Result { try prepare(images[index]) }
                buffer.put((index, prepared))
            }
        }
        producer.stackSize = 8 << 20
        producer.start()
        for _ in pending {
            let (index, prepared) = buffer.take()
            do {
                let features = try compute(prepared.get())
                guard features.shape == expectedShape else {
                    throw ExtractionError.unexpectedShape(path: images[index], expected: expectedShape, actual: features.shape)
                }
                try NpyFile.write(NpyArray(tensor: features), to: outputs[index])
                summary.written += 1
            } catch {
                summary.failures.append(Failure(image: images[index], reason: String(describing: error)))
                progress?.note("mirror: warning: skipped \(images[index]): \(error)")
            }
            progress?.advance()
        }
        progress?.finish()
        return summary
    }

    /// Whether `path` holds a complete float32 `.npy` of `shape` (a valid earlier result).
    static func isValidOutput(_ path: String, shape: [Int]) -> Bool {
        guard FileManager.default.fileExists(atPath: path), let array = try? NpyFile.read(path) else { return false }
        return array.dtype == .float32 && array.shape == shape
    }
}

/// A fixed-capacity FIFO between one producer and one consumer thread.
final class BoundedBuffer<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private let capacity: Int
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    func put(_ item: Element) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Element {
        condition.lock()
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        condition.unlock()
        return item
    }
}

import Dispatch
import Foundation

/// Runs independent work items on a fixed number of worker threads.
///
/// Items are handed out dynamically (a lock-protected counter), so a worker that finishes early
/// takes the next item; each worker owns a private state (scratch buffers) made once, on the
/// calling thread (so large scratch comes from the main malloc arena, whose freed blocks
/// `AllocatorTuning` keeps for reuse, not from per-thread arenas that return them to the OS).
/// With one thread or one item everything runs inline on the caller's thread.
public enum Parallel {
    /// Calls `body(&state, item)` for every `item` in `0..<count`, on `threads` workers.
    public static func forEach<State>(count: Int, threads: Int, makeState: () -> State,
                                      body: (inout State, Int) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 {
            var state = makeState()
            for item in 0..<count { body(&state, item) }
            return
        }
        let counter = WorkCounter(limit: count)
        let states = (0..<workers).map { _ in makeState() }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var state = states[worker]
            while let item = counter.next() { body(&state, item) }
        }
    }

    /// Calls `body(item)` for every `item` in `0..<count`, on `threads` workers.
    public static func forEach(count: Int, threads: Int, body: (Int) -> Void) {
        forEach(count: count, threads: threads, makeState: { () }, body: { _, item in body(item) })
    }

    /// Splits `0..<total` into contiguous ranges of at least `grain` elements (about four per
    /// worker) and calls `body` on each: for memory-bound loops over large arrays.
    public static func forRanges(total: Int, grain: Int, threads: Int, body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let pieces = max(1, min(threads * 4, total / max(grain, 1)))
        let size = (total + pieces - 1) / pieces
        forEach(count: pieces, threads: threads) { piece in
            let start = piece * size
            if start < total { body(start..<min(total, start + size)) }
        }
    }
}

/// Hands out `0..<limit` one index at a time to concurrent workers.
public final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var nextItem = 0
    private let limit: Int

    public init(limit: Int) { self.limit = limit }

    public func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextItem < limit else { return nil }
        nextItem += 1
        return nextItem - 1
    }
}

import BLASBackend
import Foundation
import MirrorCore
import NaiveBackend
import SIMDBackend

/// The one place that knows every engine: `--backend` and `--threads` become an engine here.
///
/// Also applies `AllocatorTuning.keepLargeAllocationsForReuse()` once per process, so that
/// feature maps freed by one layer are reused by the next without page faults.
///
/// - Parameter threads: worker threads (OpenBLAS's for `blas`); nil means every active core.
public func makeBackend(kind: BackendKind, threads: Int? = nil) -> any ComputeBackend {
    let count = threads ?? defaultThreadCount
    precondition(count > 0, "threads must be positive")
    AllocatorTuning.keepLargeAllocationsForReuse()
    switch kind {
    case .naive: return NaiveEngine(threads: count)
    case .simd: return SIMDEngine(threads: count)
    case .blas: return BLASEngine(threads: count)
    }
}

/// The `--threads` default: the active processor count.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

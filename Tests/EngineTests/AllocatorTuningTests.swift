import Engines
import MirrorCore
import XCTest

/// The factory's process-wide malloc tuning takes effect on glibc (Linux).
final class AllocatorTuningTests: XCTestCase {
    func testKeepLargeAllocationsForReuseAppliesOnGlibc() {
        _ = makeBackend(kind: .simd, threads: 1)
        #if os(Linux)
        XCTAssertTrue(AllocatorTuning.keepLargeAllocationsForReuse())
        #endif
    }
}

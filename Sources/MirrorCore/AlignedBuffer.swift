import Dispatch
import Foundation

/// A 64-byte aligned, uninitialized Float buffer freed on deinit (scratch space, packed panels).
public final class AlignedBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

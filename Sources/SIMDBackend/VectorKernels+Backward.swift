import MirrorCore

extension VectorKernels {
    /// `out[i] = gradOutput[i]` where the activation passes (from the forward output `y`:
    /// `relu` where `y > 0`, `relu6` where `0 < y < 6`, `none` everywhere), else `+0`: the same
    /// selection as the reference, so results are bit-identical (a NaN output passes nothing).
    public static func activationBackward(_ gradOutput: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                          _ activation: Activation, into out: UnsafeMutablePointer<Float>, count: Int,
                                          threads: Int) {
        guard activation != .none else {
            Parallel.forRanges(total: count, grain: grain, threads: threads) { range in
                (out + range.lowerBound).update(from: gradOutput + range.lowerBound, count: range.count)
            }
            return
        }
        // relu passes +∞ (it is > 0); relu6's upper test is strict.
        let bounded = activation == .relu6
        Parallel.forRanges(total: count, grain: grain, threads: threads) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let v = UnsafeRawPointer(y + i).loadUnaligned(as: Vector.self)
                let g = UnsafeRawPointer(gradOutput + i).loadUnaligned(as: Vector.self)
                let passes = bounded ? (v .> 0) .& (v .< 6) : v .> 0
                UnsafeMutableRawPointer(out + i).storeBytes(of: Vector(repeating: 0).replacing(with: g, where: passes),
                                                            as: Vector.self)
                i += 16
            }
            while i < range.upperBound {
                out[i] = y[i] > 0 && (!bounded || y[i] < 6) ? gradOutput[i] : 0
                i += 1
            }
        }
    }
}

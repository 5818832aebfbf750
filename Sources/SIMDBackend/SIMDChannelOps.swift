import Foundation
import MirrorCore

/// Channel-axis ops of the SIMD engine: LRN and concat, threaded over pixels.
enum SIMDChannelOps {
    typealias Vector = SIMD16<Float>

    /// TF LRN per pixel: window sums of squares from a zero-padded squares buffer (`2r+1` shifted
    /// vector loads per 16 channels), then `x·(bias + alpha·sq)^−beta`. The common exponents use
    /// square roots (β = 0.75 → `d·√d` under a √, β = 0.5, β = 1); others call `powf` per element.
    static func lrn(_ input: Tensor, depthRadius r: Int, bias: Float, alpha: Float, beta: Float, threads: Int) -> Tensor {
        precondition(r >= 0, "LRN depth radius must be non-negative")
        let channels = input.shape.last ?? 0
        guard channels > 0, input.count > 0 else { return input }
        let pixels = input.count / channels
        return Tensor(shape: input.shape, initializingWith: { out in
            input.data.withUnsafeBufferPointer { xBuffer in
                let x = xBuffer.baseAddress!, y = out.baseAddress!
                let pixelsPerItem = max(1, 4096 / channels)
                let items = (pixels + pixelsPerItem - 1) / pixelsPerItem
                Parallel.forEach(count: items, threads: threads,
                                 makeState: { AlignedBuffer(count: channels + 2 * r + 16) }) { scratch, item in
                    // [r zeros | squares of the pixel's channels | r + 16 zeros]: window sums are plain
                    // shifted loads, the zeros standing for channels outside 0..<C.
                    let squares = scratch.pointer
                    squares.update(repeating: 0, count: channels + 2 * r + 16)
                    for pixel in (item * pixelsPerItem)..<min(pixels, (item + 1) * pixelsPerItem) {
                        let source = x + pixel * channels, target = y + pixel * channels
                        for c in 0..<channels { squares[r + c] = source[c] * source[c] }
                        var c = 0
                        while c < channels {
                            let lanes = min(16, channels - c)
                            var sum = Vector()
                            for d in 0...(2 * r) { sum += UnsafeRawPointer(squares + c + d).loadUnaligned(as: Vector.self) }
                            let base = Vector(repeating: bias) + Vector(repeating: alpha) * sum
                            let factor: Vector
                            switch beta {
                            case 0.75:
                                let root = base.squareRoot()
                                factor = 1 / (root * root.squareRoot())
                            case 0.5: factor = 1 / base.squareRoot()
                            case 1: factor = 1 / base
                            default:
                                var f = Vector()
                                for lane in 0..<lanes { f[lane] = powf(base[lane], -beta) }
                                factor = f
                            }
                            if lanes == 16 {
                                let v = UnsafeRawPointer(source + c).loadUnaligned(as: Vector.self)
                                UnsafeMutableRawPointer(target + c).storeBytes(of: v * factor, as: Vector.self)
                            } else {
                                for lane in 0..<lanes { target[c + lane] = source[c + lane] * factor[lane] }
                            }
                            c += 16
                        }
                    }
                }
            }
        })
    }

    /// Concatenation along the last axis: one contiguous copy per (row, part).
    static func concatChannels(_ inputs: [Tensor], threads: Int) -> Tensor {
        precondition(!inputs.isEmpty, "concat of no tensors")
        let outer = Array(inputs[0].shape.dropLast())
        precondition(inputs.allSatisfy { $0.rank >= 1 && Array($0.shape.dropLast()) == outer },
                     "concat needs equal leading extents, got \(inputs.map(\.shape))")
        let widths = inputs.map { $0.shape.last! }
        let total = widths.reduce(0, +), rows = outer.reduce(1, *)
        return Tensor(shape: outer + [total], initializingWith: { out in
            let y = out.baseAddress!
            var column = 0
            for (tensor, width) in zip(inputs, widths) where width > 0 && rows > 0 {
                tensor.data.withUnsafeBufferPointer { source in
                    let x = source.baseAddress!
                    let offset = column
                    Parallel.forRanges(total: rows, grain: max(1, 16384 / max(width, 1)), threads: threads) { range in
                        for row in range { (y + row * total + offset).update(from: x + row * width, count: width) }
                    }
                }
                column += width
            }
        })
    }
}

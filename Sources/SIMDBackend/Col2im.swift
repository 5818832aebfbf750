import MirrorCore

/// The adjoint of `Im2col`: adds column-matrix rows back into an NHWC input-shaped tensor
/// (shared by the SIMD and BLAS engines' convolution input gradients).
///
/// Row `r` is output pixel `(n, oy, ox)` (`r = (n·outH + oy)·outW + ox`) and its `kh·kw·cin`
/// columns are ordered `(ky, kx, ci)`, exactly as `Im2col.copyRows` lays them out; entries whose
/// tap falls in the padding are dropped. As in im2col, the in-bounds `kx` span of one `(row, ky)`
/// is contiguous both in the row and in the NHWC tensor, so it is one vector add of
/// `span·cin` floats.
public enum Col2im {
    typealias Vector = SIMD16<Float>

    /// Adds rows `firstRow..<firstRow+count` of `columns` (row stride `ld ≥ patchLength`) into
    /// `destination`. Every element receives its contributions in row order, then `ky`, then
    /// `kx`. Callers must keep concurrent calls on rows whose windows do not overlap
    /// (`ConvolutionInputGradient` runs non-adjacent bands of output rows at a time).
    /// Precondition: `groups == 1`.
    public static func addRows(_ g: ConvolutionGeometry, columns: UnsafePointer<Float>, ld: Int, firstRow: Int,
                               count: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(g.groups == 1, "col2im is for ungrouped convolutions")
        let cin = g.inputChannels
        let rowLength = g.kernelWidth * cin
        let pixelsPerImage = g.outputHeight * g.outputWidth
        var n = firstRow / pixelsPerImage
        var oy = firstRow % pixelsPerImage / g.outputWidth
        var ox = firstRow % g.outputWidth
        for r in 0..<count {
            let iy0 = oy * g.stride - g.padTop, ix0 = ox * g.stride - g.padLeft
            let span = g.kernelColumns(outputColumn: ox)
            if !span.isEmpty {
                for ky in g.kernelRows(outputRow: oy) {
                    let source = columns + r * ld + ky * rowLength + span.lowerBound * cin
                    let target = destination + ((n * g.inputHeight + iy0 + ky) * g.inputWidth + ix0 + span.lowerBound) * cin
                    add(source, into: target, count: span.count * cin)
                }
            }
            ox += 1
            if ox == g.outputWidth {
                ox = 0
                oy += 1
                if oy == g.outputHeight { oy = 0; n += 1 }
            }
        }
    }

    /// `target[i] += source[i]` for `i < count`.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let t = UnsafeMutableRawPointer(target + i)
            t.storeBytes(of: t.loadUnaligned(as: Vector.self) + UnsafeRawPointer(source + i).loadUnaligned(as: Vector.self),
                         as: Vector.self)
            i += 16
        }
        while i < count {
            target[i] += source[i]
            i += 1
        }
    }
}

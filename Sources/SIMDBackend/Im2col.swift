import MirrorCore

/// Unfolds NHWC convolution patches into GEMM rows (shared by the SIMD and BLAS engines).
///
/// Row `r` is output pixel `(n, oy, ox)` in NHWC order (`r = (n·outH + oy)·outW + ox`); its
/// `kh·kw·cin` columns are ordered `(ky, kx, ci)`, the order of an HWIO kernel reshaped to
/// `[kh·kw·cin, cout]`, so `rows · kernel` is the NHWC output directly. Cells in the padding are 0.
/// Because NHWC pixels adjacent in x are adjacent in memory, each `(row, ky)` is one copy of the
/// in-bounds `kx` span (`count·cin` floats) plus zero fill at the edges.
public enum Im2col {
    /// Writes rows `firstRow..<firstRow+count` into `destination` (row stride `ld ≥ patchLength`).
    /// Precondition: `groups == 1`.
    public static func copyRows(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, firstRow: Int, count: Int,
                                into destination: UnsafeMutablePointer<Float>, ld: Int) {
        precondition(g.groups == 1, "im2col is for ungrouped convolutions")
        let cin = g.inputChannels
        let kernelWidth = g.kernelWidth
        let rowLength = kernelWidth * cin
        let pixelsPerImage = g.outputHeight * g.outputWidth
        var n = firstRow / pixelsPerImage
        var oy = firstRow % pixelsPerImage / g.outputWidth
        var ox = firstRow % g.outputWidth
        for r in 0..<count {
            var d = destination + r * ld
            let iy0 = oy * g.stride - g.padTop, ix0 = ox * g.stride - g.padLeft
            let columns = g.kernelColumns(outputColumn: ox)   // in-bounds kx
            let kx0 = columns.lowerBound, kx1 = columns.upperBound
            for ky in 0..<g.kernelHeight {
                let iy = iy0 + ky
                if iy < 0 || iy >= g.inputHeight || columns.isEmpty {
                    d.update(repeating: 0, count: rowLength)
                } else {
                    if kx0 > 0 { d.update(repeating: 0, count: kx0 * cin) }
                    let source = input + ((n * g.inputHeight + iy) * g.inputWidth + ix0 + kx0) * cin
                    (d + kx0 * cin).update(from: source, count: (kx1 - kx0) * cin)
                    if kx1 < kernelWidth { (d + kx1 * cin).update(repeating: 0, count: (kernelWidth - kx1) * cin) }
                }
                d += rowLength
            }
            ox += 1
            if ox == g.outputWidth {
                ox = 0
                oy += 1
                if oy == g.outputHeight { oy = 0; n += 1 }
            }
        }
    }
}

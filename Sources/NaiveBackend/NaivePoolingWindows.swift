import MirrorCore

extension NaiveKernels {
    /// The one window walk of the reference pools, forward and backward: calls `body(out, cells)`
    /// for every output element `out` (flat NHWC index) with the flat input indices of its
    /// window's in-bounds cells in scan order (`ky`, then `kx`). The geometry is
    /// `Padding.resolve`'s, so padded cells are never visited. Returns the output shape.
    @discardableResult
    static func forEachPoolingWindow(inputShape: [Int], window: Int, stride: Int, padding: Padding,
                                     body: (_ output: Int, _ cells: [Int]) -> Void) -> [Int] {
        precondition(inputShape.count == 4, "pooling takes NHWC, got \(inputShape)")
        let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let geometry = padding.resolve(inputHeight: height, inputWidth: width, kernelHeight: window,
                                       kernelWidth: window, stride: stride)
        let (outHeight, outWidth) = (geometry.height.output, geometry.width.output)
        var cells: [Int] = []
        cells.reserveCapacity(window * window)
        var outIndex = 0
        for n in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for c in 0..<channels {
                        cells.removeAll(keepingCapacity: true)
                        for ky in 0..<window {
                            let iy = oy * stride - geometry.height.padBefore + ky
                            guard iy >= 0 && iy < height else { continue }
                            for kx in 0..<window {
                                let ix = ox * stride - geometry.width.padBefore + kx
                                guard ix >= 0 && ix < width else { continue }
                                cells.append(((n * height + iy) * width + ix) * channels + c)
                            }
                        }
                        precondition(!cells.isEmpty, "a pooling window lies entirely in the padding")
                        body(outIndex, cells)
                        outIndex += 1
                    }
                }
            }
        }
        return [batch, outHeight, outWidth, channels]
    }
}

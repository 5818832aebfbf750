import Foundation
import MirrorCore

/// Double-precision forward ops, written independently of the engines, for the finite-difference
/// gradient checks: each takes flat NHWC values and returns flat outputs. The window arithmetic
/// is the forward's (`ConvolutionLayer.geometry`, `Padding.resolve`, themselves tested by
/// `PaddingTests`); everything else is the definition.
enum DoubleReference {
    /// `conv(x) + bias` (no activation) with the layer's stride, padding and groups, but the
    /// given kernel and bias values (so they can be perturbed).
    static func conv2d(_ x: [Double], shape: [Int], _ layer: ConvolutionLayer, kernel w: [Double],
                       bias: [Double]) -> [Double] {
        let g = layer.geometry(inputShape: shape)
        let cinG = layer.inputChannelsPerGroup, coutG = g.outputChannels / g.groups
        let (h, wd, cin, cout) = (g.inputHeight, g.inputWidth, g.inputChannels, g.outputChannels)
        var y: [Double] = []
        y.reserveCapacity(g.outputShape.reduce(1, *))
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    for co in 0..<cout {
                        var sum = bias[co]
                        let group = co / coutG
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.stride - g.padTop + ky
                            if iy < 0 || iy >= h { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.stride - g.padLeft + kx
                                if ix < 0 || ix >= wd { continue }
                                for ci in 0..<cinG {
                                    sum += x[((n * h + iy) * wd + ix) * cin + group * cinG + ci]
                                        * w[((ky * g.kernelWidth + kx) * cinG + ci) * cout + co]
                                }
                            }
                        }
                        y.append(sum)
                    }
                }
            }
        }
        return y
    }

    /// Max (`average: false`) or valid-cell average pooling.
    static func pool(_ x: [Double], shape: [Int], window: Int, stride: Int, padding: Padding, average: Bool) -> [Double] {
        let (batch, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let geometry = padding.resolve(inputHeight: h, inputWidth: w, kernelHeight: window, kernelWidth: window,
                                       stride: stride)
        var y: [Double] = []
        for n in 0..<batch {
            for oy in 0..<geometry.height.output {
                for ox in 0..<geometry.width.output {
                    for ch in 0..<c {
                        var cells: [Double] = []
                        for ky in 0..<window {
                            for kx in 0..<window {
                                let iy = oy * stride - geometry.height.padBefore + ky
                                let ix = ox * stride - geometry.width.padBefore + kx
                                if iy >= 0 && iy < h && ix >= 0 && ix < w { cells.append(x[((n * h + iy) * w + ix) * c + ch]) }
                            }
                        }
                        y.append(average ? cells.reduce(0, +) / Double(cells.count) : cells.max()!)
                    }
                }
            }
        }
        return y
    }

    /// `y_c = x_c / (bias + alpha·Σ_{|c'−c|≤r} x_c'²)^beta` per pixel.
    static func lrn(_ x: [Double], channels: Int, depthRadius r: Int, bias: Double, alpha: Double, beta: Double) -> [Double] {
        (0..<x.count).map { i in
            let base = i / channels * channels, c = i % channels
            let squares = (max(0, c - r)...min(channels - 1, c + r)).reduce(0.0) { $0 + x[base + $1] * x[base + $1] }
            return x[i] / pow(bias + alpha * squares, beta)
        }
    }

    /// `[N, R, C]` maxima of each region (the whole map for global pooling).
    static func regionalMax(_ x: [Double], shape: [Int], regions: [PoolingRegion]) -> [Double] {
        let (batch, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        var y: [Double] = []
        for n in 0..<batch {
            for region in regions {
                for ch in 0..<c {
                    var best = -Double.infinity
                    for iy in region.top..<region.top + region.height {
                        for ix in region.left..<region.left + region.width { best = max(best, x[((n * h + iy) * w + ix) * c + ch]) }
                    }
                    y.append(best)
                }
            }
        }
        return y
    }

    static func activate(_ x: [Double], _ activation: Activation) -> [Double] {
        switch activation {
        case .none: return x
        case .relu: return x.map { max($0, 0) }
        case .relu6: return x.map { min(max($0, 0), 6) }
        }
    }

    /// The scalar test loss `L = Σ r·y`, whose gradient w.r.t. `y` is `r`.
    static func loss(_ r: [Double], _ y: [Double]) -> Double {
        precondition(r.count == y.count, "loss weights \(r.count) for \(y.count) outputs")
        return zip(r, y).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Central differences `(L(v + h·e_i) − L(v − h·e_i)) / 2h` for every element `i` of `v`.
    static func centralDifferences(at v: [Double], h: Double = 1e-3, _ loss: ([Double]) -> Double) -> [Double] {
        var point = v
        return (0..<v.count).map { i in
            point[i] = v[i] + h
            let plus = loss(point)
            point[i] = v[i] - h
            let minus = loss(point)
            point[i] = v[i]
            return (plus - minus) / (2 * h)
        }
    }
}

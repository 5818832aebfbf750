import MirrorCore

/// Vectorised, threaded elementwise loops (memory-bound; split into contiguous ranges).
/// Results are bit-identical to the reference kernels: the same single IEEE operation per
/// element in the same order.
public enum VectorKernels {
    typealias Vector = SIMD16<Float>
    static let grain = 1 << 14

    /// `y[r, j] = act(y[r, j] + bias[firstColumn + j] + residual[r, j])` in place over a
    /// `rows × columns` block whose rows are `ld` floats apart (default `columns`): the BLAS
    /// engine's GEMM epilogue, also on a column slice of C; `residual` is laid out like `y`.
    /// Absent terms are skipped.
    public static func biasActivation(bias: [Float]?, firstColumn: Int = 0, residual: UnsafePointer<Float>? = nil,
                                      activation: Activation, to y: UnsafeMutablePointer<Float>, rows: Int,
                                      columns: Int, ld: Int? = nil, threads: Int) {
        let ld = ld ?? columns
        precondition(bias.map { firstColumn + columns <= $0.count } ?? true, "bias shorter than the columns")
        let zeros = bias == nil ? [Float](repeating: 0, count: columns) : []
        (bias ?? zeros).withUnsafeBufferPointer { biasBuffer in
            let b = biasBuffer.baseAddress! + (bias == nil ? 0 : firstColumn)
            Parallel.forRanges(total: rows, grain: max(1, grain / max(columns, 1)), threads: threads) { range in
                for r in range {
                    let row = y + r * ld
                    let extra = residual.map { $0 + r * ld }
                    var j = 0
                    while j + 16 <= columns {
                        let raw = UnsafeMutableRawPointer(row + j)
                        var v = raw.loadUnaligned(as: Vector.self)
                        if bias != nil { v += UnsafeRawPointer(b + j).loadUnaligned(as: Vector.self) }
                        if let extra { v += UnsafeRawPointer(extra + j).loadUnaligned(as: Vector.self) }
                        raw.storeBytes(of: VectorActivation.apply(activation, v), as: Vector.self)
                        j += 16
                    }
                    while j < columns {
                        var v = bias != nil ? row[j] + b[j] : row[j]
                        if let extra { v += extra[j] }
                        row[j] = activation.apply(v)
                        j += 1
                    }
                }
            }
        }
    }

    /// `out[i] = act(a[i] + b[i])`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, activation: Activation,
                           into out: UnsafeMutablePointer<Float>, count: Int, threads: Int) {
        Parallel.forRanges(total: count, grain: grain, threads: threads) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let v = UnsafeRawPointer(a + i).loadUnaligned(as: Vector.self)
                    + UnsafeRawPointer(b + i).loadUnaligned(as: Vector.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: VectorActivation.apply(activation, v), as: Vector.self)
                i += 16
            }
            while i < range.upperBound {
                out[i] = activation.apply(a[i] + b[i])
                i += 1
            }
        }
    }

    /// `out[i] = act(x[i])`.
    public static func activate(_ x: UnsafePointer<Float>, _ activation: Activation,
                                into out: UnsafeMutablePointer<Float>, count: Int, threads: Int) {
        Parallel.forRanges(total: count, grain: grain, threads: threads) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self)
                UnsafeMutableRawPointer(out + i).storeBytes(of: VectorActivation.apply(activation, v), as: Vector.self)
                i += 16
            }
            while i < range.upperBound {
                out[i] = activation.apply(x[i])
                i += 1
            }
        }
    }
}

/// A dense float32 tensor in row-major (C) order.
///
/// Layout convention used throughout mirror: images and feature maps are **NHWC** (or HWC for a
/// single image), the layout of the seed's TensorFlow graphs, so that a 1×1 convolution is one
/// GEMM of `[H·W, Cin] × [Cin, Cout]` and channel vectors are contiguous. Regional features use
/// the seed's `.npy` layout `[D, R]` (SPEC §3).
public struct Tensor: Equatable, Sendable {
    /// Extent of each axis, outermost first.
    public private(set) var shape: [Int]
    /// `shape.reduce(1, *)` values, last axis fastest.
    public var data: [Float]

    /// Creates a tensor from its shape and values; `data.count` must equal the element count.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of elements.
    public var count: Int { data.count }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            result[axis] = running
            running *= shape[axis]
        }
        return result
    }

    /// The same values viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Element at a multi-index (slow; for tests and diagnostics).
    public subscript(index: Int...) -> Float {
        get { data[offset(of: index)] }
        set { data[offset(of: index)] = newValue }
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) ≠ tensor rank \(shape.count)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        return flat
    }
}

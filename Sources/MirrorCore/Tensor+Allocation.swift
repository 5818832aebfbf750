extension Tensor {
    /// A tensor whose values are written by `initialize`, which must set every element
    /// (the storage starts uninitialized; no zero-fill pass for outputs an op overwrites).
    public init(shape: [Int], initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialize(buffer)
            initialized = count
        }
        self.init(shape: shape, data: values)
    }
}

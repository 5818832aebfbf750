/// Per-row L2 normalisation as the seed does it: `np.nan_to_num(sklearn.preprocessing.normalize(x))`.
///
/// Numerical contract, per row `x`:
/// - `norm = sqrt(Σ x²)` accumulated in the element type; a zero norm is replaced by 1, so zero rows
///   stay zero (sklearn 0.20's `_handle_zeros_in_scale`; newer sklearn also treats norms below
///   10·ε as zero, which no real feature reaches);
/// - `y = x / norm`, then `nan_to_num`: NaN → 0, ±∞ → ±greatestFiniteMagnitude. A row containing
///   NaN therefore becomes all zeros (its norm is NaN). sklearn itself would reject NaN input; this
///   follows the formula instead of failing.
public enum L2Normalization {
    /// Normalises each of the `values.count / dims` rows of a row-major matrix in place.
    public static func normalizeRows<T: BinaryFloatingPoint>(_ values: inout [T], dims: Int) {
        precondition(dims > 0 && values.count % dims == 0, "matrix of \(values.count) values is not a multiple of \(dims) columns")
        let rows = values.count / dims
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows {
                normalize(UnsafeMutableBufferPointer(rebasing: buffer[(row * dims)..<((row + 1) * dims)]))
            }
        }
    }

    /// Normalises one vector in place (see the type's contract).
    public static func normalize<T: BinaryFloatingPoint>(_ row: UnsafeMutableBufferPointer<T>) {
        var sumOfSquares: T = 0
        for x in row { sumOfSquares += x * x }
        var norm = sumOfSquares.squareRoot()
        if norm == 0 { norm = 1 }
        for i in row.indices {
            let y = row[i] / norm
            if y.isNaN {
                row[i] = 0
            } else if y.isInfinite {
                row[i] = y < 0 ? -T.greatestFiniteMagnitude : T.greatestFiniteMagnitude
            } else {
                row[i] = y
            }
        }
    }
}

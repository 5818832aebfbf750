/// A plane-to-plane projective map as a 3×3 float64 matrix acting on homogeneous column vectors
/// (x, y, 1)ᵀ, rows stored top to bottom.
///
/// mirror synth keeps every homography unnormalised: for a view's H (photo → view) the sign is
/// such that a photo point is in front of the virtual camera exactly when the third component of
/// H·(x, y, 1)ᵀ is positive, so `H[2,2]` is never divided out.
public struct Homography: Equatable, Sendable {
    /// The nine entries row by row: `m[3 * row + column]`.
    public var m: [Double]

    public init(_ rowMajor: [Double]) {
        precondition(rowMajor.count == 9, "a homography has 9 entries, got \(rowMajor.count)")
        m = rowMajor
    }

    public static let identity = Homography([1, 0, 0, 0, 1, 0, 0, 0, 1])

    public subscript(row: Int, column: Int) -> Double {
        get { m[3 * row + column] }
        set { m[3 * row + column] = newValue }
    }

    /// T(tx, ty): adds (tx, ty) to a point.
    public static func translation(_ tx: Double, _ ty: Double) -> Homography {
        Homography([1, 0, tx, 0, 1, ty, 0, 0, 1])
    }

    /// diag(sx, sy, 1).
    public static func scale(_ sx: Double, _ sy: Double) -> Homography {
        Homography([sx, 0, 0, 0, sy, 0, 0, 0, 1])
    }

    /// The matrix product `lhs · rhs` (apply `rhs` first), each entry summed over k = 0, 1, 2 in order.
    public static func * (lhs: Homography, rhs: Homography) -> Homography {
        var out = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                out[3 * i + j] = lhs.m[3 * i] * rhs.m[j] + lhs.m[3 * i + 1] * rhs.m[3 + j] + lhs.m[3 * i + 2] * rhs.m[6 + j]
            }
        }
        return Homography(out)
    }

    /// H·(x, y, 1)ᵀ, the homogeneous image of the point (x, y).
    @inlinable
    public func apply(_ x: Double, _ y: Double) -> (Double, Double, Double) {
        (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5], m[6] * x + m[7] * y + m[8])
    }

    /// The general 3×3 inverse, computed as NumPy's `np.linalg.inv` computes it (LAPACK `dgesv`
    /// against the identity): LU factorisation with partial pivoting (the first row of largest
    /// |entry| is the pivot; the column below is scaled by the pivot's reciprocal), then forward
    /// substitution with the unit lower factor and back substitution with the upper one.
    ///
    /// Why not the adjugate formula: the overlap grid must count the same points as the NumPy
    /// fixture, and the same algorithm keeps the rounding of H⁻¹ within an ulp or two of LAPACK's
    /// (OpenBLAS's kernels may order a sum differently, so bit equality is not promised).
    /// The fixture's counts are robust far beyond that (rounding every H to float32 changes none).
    ///
    /// Returns nil when a pivot is exactly zero (a singular matrix; never the case for a view).
    public func inverse() -> Homography? {
        var a = m
        var permutation = [0, 1, 2]
        for j in 0..<3 {
            var pivot = j
            for i in (j + 1)..<3 where abs(a[3 * i + j]) > abs(a[3 * pivot + j]) { pivot = i }
            guard a[3 * pivot + j] != 0 else { return nil }
            if pivot != j {
                for k in 0..<3 { a.swapAt(3 * j + k, 3 * pivot + k) }
                permutation.swapAt(j, pivot)
            }
            let reciprocal = 1 / a[3 * j + j]
            for i in (j + 1)..<3 {
                a[3 * i + j] *= reciprocal
                for k in (j + 1)..<3 { a[3 * i + k] -= a[3 * i + j] * a[3 * j + k] }
            }
        }
        // Solve L·U·X = P·I column by column: row r of P·I is the unit vector e_permutation[r].
        var x = [Double](repeating: 0, count: 9)
        for column in 0..<3 {
            var b = (0..<3).map { permutation[$0] == column ? 1.0 : 0.0 }
            for k in 0..<3 {                  // L (unit diagonal), column-oriented as dtrsm does
                for i in (k + 1)..<3 { b[i] -= b[k] * a[3 * i + k] }
            }
            for k in stride(from: 2, through: 0, by: -1) {   // U, column-oriented
                b[k] /= a[3 * k + k]
                for i in 0..<k { b[i] -= b[k] * a[3 * i + k] }
            }
            for i in 0..<3 { x[3 * i + column] = b[i] }
        }
        return Homography(x)
    }
}

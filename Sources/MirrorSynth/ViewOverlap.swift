/// Ground-truth overlap of two views of the same photo, measured through their homographies on a
/// grid of view pixels — the definition of `Fixtures/scripts/make_homography_set.py`
/// (`directional_overlaps`) and of `Fixtures/train/synthetic/README.md`, reproduced count for count:
///
/// 1. Grid of view u: the centres (x + 0.5, y + 0.5) of the pixels x, y ∈ {⌊s/2⌋, ⌊s/2⌋ + s, …} < S,
///    x fastest (S = 224, s = 4: pixels 2, 6, …, 222, |G| = 3136).
/// 2. For each grid point g: p = H_u⁻¹·(g, 1)ᵀ in float64. It counts when p₃ > 0 and
///    (p₁/p₃, p₂/p₃) is inside the photo (0 ≤ x < W, 0 ≤ y < H), and q = H_v·(p₁/p₃, p₂/p₃, 1)ᵀ
///    has q₃ > 0 with (q₁/q₃, q₂/q₃) inside view v (0 ≤ x < S, 0 ≤ y < S).
/// 3. o(u→v) = count / |G|;  overlap(u, v) = min(o(u→v), o(v→u)).
///
/// Counts are integers, so they are what tests compare: the fixture's `pairs.tsv` holds
/// count/3136 to 6 decimals, which identifies the count exactly (1/3136 ≫ 10⁻⁶).
///
/// Cost: |G| inversions of a point plus |G|·n projections per view, O(n²·|G|) per photo.
public struct ViewOverlap: Sendable {
    public let size: Int
    public let stride: Int
    /// The grid coordinates along one axis: `stride/2 + 0.5`, `stride/2 + stride + 0.5`, … < S.
    public let axis: [Double]

    public init(size: Int, stride: Int) {
        precondition(size > 0 && stride > 0, "overlap grid needs a positive size and stride")
        self.size = size
        self.stride = stride
        axis = Swift.stride(from: stride / 2, to: size, by: stride).map { Double($0) + 0.5 }
    }

    /// |G|, the number of grid points of a view.
    public var pointCount: Int { axis.count * axis.count }

    /// counts[u][v]: the grid points of view u whose pre-image lies in the photo and lands in view v
    /// (step 2 above). counts[u][u] is the number of u's grid points inside the photo (|G| for views
    /// placed by `ViewSampler`).
    public func directedCounts(_ homographies: [Homography], photoWidth: Int, photoHeight: Int) -> [[Int]] {
        let n = homographies.count
        let w = Double(photoWidth), h = Double(photoHeight), s = Double(size)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        var photoX = [Double](), photoY = [Double]()
        photoX.reserveCapacity(pointCount)
        photoY.reserveCapacity(pointCount)
        for u in 0..<n {
            photoX.removeAll(keepingCapacity: true)
            photoY.removeAll(keepingCapacity: true)
            guard let inverse = homographies[u].inverse() else { continue }
            for gy in axis {
                for gx in axis {
                    let p = inverse.apply(gx, gy)
                    guard p.2 > 0 else { continue }
                    let x = p.0 / p.2, y = p.1 / p.2
                    if x >= 0 && x < w && y >= 0 && y < h {
                        photoX.append(x)
                        photoY.append(y)
                    }
                }
            }
            for v in 0..<n {
                let m = homographies[v].m
                var count = 0
                for k in photoX.indices {
                    let x = photoX[k], y = photoY[k]
                    let q3 = m[6] * x + m[7] * y + m[8]
                    guard q3 > 0 else { continue }
                    let qx = (m[0] * x + m[1] * y + m[2]) / q3
                    let qy = (m[3] * x + m[4] * y + m[5]) / q3
                    if qx >= 0 && qx < s && qy >= 0 && qy < s { count += 1 }
                }
                counts[u][v] = count
            }
        }
        return counts
    }

    /// counts[u][v] = min(directed[u][v], directed[v][u]): overlap(u, v) · |G|, symmetric.
    public func symmetricCounts(_ homographies: [Homography], photoWidth: Int, photoHeight: Int) -> [[Int]] {
        let directed = directedCounts(homographies, photoWidth: photoWidth, photoHeight: photoHeight)
        return directed.indices.map { u in directed.indices.map { v in min(directed[u][v], directed[v][u]) } }
    }

    /// The overlap value of a count: count / |G| (what `pairs.tsv` prints with 6 decimals).
    public func overlap(count: Int) -> Double { Double(count) / Double(pointCount) }
}

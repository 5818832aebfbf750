import MirrorImageIO

/// The pixels a view's camera sees: the photo warped by H with bilinear sampling at
/// `supersample · S`, then a `supersample²` box average — what the NumPy generator does with
/// Pillow (`Image.transform(PERSPECTIVE, BILINEAR)` at 2S, then `Image.reduce(2)`).
///
/// Sampling follows Pillow's conventions, so the stored H is the geometry of the pixels:
/// - output sub-pixel (x, y) of the `supersample·S` image is looked up at the pre-image of its
///   centre, H⁻¹·diag(1/k, 1/k, 1)·(x + 0.5, y + 0.5, 1)ᵀ (k = supersample);
/// - bilinear weights between the four photo pixels around that point with pixel centres at +0.5,
///   indices clamped to the border; a pre-image outside [0, W) × [0, H) is black (never the case
///   for views from `ViewSampler`, which keep a 1-pixel margin);
/// - each sub-pixel is rounded to 8 bits (half up, as Pillow's `v + 0.5` cast), and the box
///   average is `(sum + k²/2) / k²` in integers (Pillow's `reduce`).
///
/// Exact agreement with Pillow is not the goal (its perspective coefficients are normalised to
/// float, its rounding differs by a level here and there); the geometry is.
public enum PerspectiveWarp {
    /// The `size × size` view of `photo` through `homography` (photo → view).
    public static func render(_ photo: RGBImage, homography: Homography, size: Int,
                              supersample: Int = ViewDistribution.supersample) -> RGBImage {
        let k = supersample
        let big = size * k
        guard let inverse = (Homography.scale(Double(k), Double(k)) * homography).inverse() else {
            return RGBImage(width: size, height: size, pixels: [UInt8](repeating: 0, count: size * size * 3))
        }
        let (m0, m1, m2, m3, m4, m5, m6, m7, m8) = (inverse.m[0], inverse.m[1], inverse.m[2], inverse.m[3], inverse.m[4],
                                                      inverse.m[5], inverse.m[6], inverse.m[7], inverse.m[8])
        let w = photo.width, h = photo.height
        let wd = Double(w), hd = Double(h)
        let cells = k * k
        var out = [UInt8](repeating: 0, count: size * size * 3)
        // Sums of the k×k sub-pixels of each output pixel, one output row at a time.
        var sums = [Int](repeating: 0, count: size * 3)
        photo.pixels.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { sums in
                out.withUnsafeMutableBufferPointer { out in
                    for row in 0..<size {
                        for i in 0..<sums.count { sums[i] = 0 }
                        for sy in 0..<k {
                            let yo = Double(row * k + sy) + 0.5
                            for bx in 0..<big {
                                let xo = Double(bx) + 0.5
                                let z = m6 * xo + m7 * yo + m8
                                guard z > 0 else { continue }
                                let xin = (m0 * xo + m1 * yo + m2) / z
                                let yin = (m3 * xo + m4 * yo + m5) / z
                                guard xin >= 0, xin < wd, yin >= 0, yin < hd else { continue }
                                let fx = xin - 0.5, fy = yin - 0.5
                                // fx, fy ≥ −0.5, so truncating fx + 1 is ⌊fx⌋ + 1 without a call to floor.
                                let x0 = Int(fx + 1) - 1, y0 = Int(fy + 1) - 1
                                let dx = fx - Double(x0), dy = fy - Double(y0)
                                let xa = 3 * min(max(x0, 0), w - 1), xb = 3 * min(max(x0 + 1, 0), w - 1)
                                let top = min(max(y0, 0), h - 1) * w * 3, bottom = min(max(y0 + 1, 0), h - 1) * w * 3
                                let target = bx / k * 3
                                for c in 0..<3 {
                                    let upper = Double(source[top + xa + c]) * (1 - dx) + Double(source[top + xb + c]) * dx
                                    let lower = Double(source[bottom + xa + c]) * (1 - dx) + Double(source[bottom + xb + c]) * dx
                                    sums[target + c] += min(255, Int(upper * (1 - dy) + lower * dy + 0.5))
                                }
                            }
                        }
                        for i in 0..<sums.count { out[row * size * 3 + i] = UInt8((sums[i] + cells / 2) / cells) }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }
}

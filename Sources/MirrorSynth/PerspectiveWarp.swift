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
        let m = inverse.m
        let w = photo.width, h = photo.height
        let wd = Double(w), hd = Double(h)
        // Sums of the k×k sub-pixels of each output pixel, one output row at a time.
        var sums = [Int](repeating: 0, count: size * 3)
        var out = [UInt8](repeating: 0, count: size * size * 3)
        photo.pixels.withUnsafeBufferPointer { source in
            for row in 0..<size {
                for i in sums.indices { sums[i] = 0 }
                for sy in 0..<k {
                    let yo = Double(row * k + sy) + 0.5
                    for bx in 0..<big {
                        let xo = Double(bx) + 0.5
                        let z = m[6] * xo + m[7] * yo + m[8]
                        let xin = (m[0] * xo + m[1] * yo + m[2]) / z
                        let yin = (m[3] * xo + m[4] * yo + m[5]) / z
                        guard z > 0, xin >= 0, xin < wd, yin >= 0, yin < hd else { continue }
                        let fx = xin - 0.5, fy = yin - 0.5
                        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                        let dx = fx - Double(x0), dy = fy - Double(y0)
                        let xa = min(max(x0, 0), w - 1), xb = min(max(x0 + 1, 0), w - 1)
                        let ya = min(max(y0, 0), h - 1), yb = min(max(y0 + 1, 0), h - 1)
                        let top = ya * w * 3, bottom = yb * w * 3
                        let target = bx / k * 3
                        for c in 0..<3 {
                            let upper = Double(source[top + xa * 3 + c]) * (1 - dx) + Double(source[top + xb * 3 + c]) * dx
                            let lower = Double(source[bottom + xa * 3 + c]) * (1 - dx) + Double(source[bottom + xb * 3 + c]) * dx
                            let value = upper * (1 - dy) + lower * dy
                            sums[target + c] += min(255, Int(value + 0.5))
                        }
                    }
                }
                let cells = k * k
                for i in sums.indices { out[row * size * 3 + i] = UInt8((sums[i] + cells / 2) / cells) }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }
}

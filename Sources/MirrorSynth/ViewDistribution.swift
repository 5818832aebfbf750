/// The distributions views are drawn from: the constants of `Fixtures/scripts/make_homography_set.py`
/// (the committed NumPy generator of `Fixtures/train/synthetic/`), so sets written by `mirror synth`
/// and by the script have the same mix of zooms, tilts and overlaps. They are recorded in
/// `meta.json` (`sampling`).
public enum ViewDistribution {
    /// A zoom-1 view spans `baseWindow · min(W, H)` photo pixels across.
    public static let baseWindow = 0.4
    /// Zoom z, log-uniform; a view spans `baseWindow · min(W, H) / z` photo pixels.
    public static let zoom: ClosedRange<Double> = 0.6...1.6
    /// In-plane rotation φ, uniform in ±30°.
    public static let rotationDegrees = 30.0
    /// Perspective tilt θ, uniform in [0°, 30°] about an axis of uniform direction ψ.
    public static let tiltDegrees = 30.0
    /// Camera distance (= focal length) d in units of the view side S, uniform.
    public static let distance: ClosedRange<Double> = 1.0...2.0
    /// Probability that a view is placed near an earlier view of the same photo (after the first):
    /// it gives the mix of high and low overlaps, where independent views would mostly miss.
    public static let nearPrevious = 0.6
    /// A near view's zoom is the earlier zoom times exp(N(0, 0.2)), clipped to `zoom`.
    public static let nearZoomSigma = 0.2
    /// A near view's centre moves by N(0, (0.2 · the earlier view's window)²) per axis.
    public static let nearCenterSigma = 0.2
    /// JPEG quality of each view, uniform over the integers, inclusive.
    public static let jpegQuality: ClosedRange<Int> = 60...95
    /// Views are rendered at `supersample · S` and box-averaged down (anti-aliasing for zoom-outs).
    public static let supersample = 2
    /// Ground truth (`gl3d_gt_pairs`): pairs with overlap ≥ this.
    public static let groundTruthOverlap = 0.5
    /// Pre-images of the view corners must keep this margin (photo pixels) from the photo border.
    public static let borderMargin = 1.0
    /// Consecutive rejected draws after which a photo is declared too small for the views.
    public static let maxRejections = 10_000
}

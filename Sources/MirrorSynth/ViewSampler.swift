import Foundation
import MirrorCore

/// Draws the geometry of a photo's views so that every view pixel shows the photo, as the NumPy
/// generator's `sample_views` does (same distributions, `ViewDistribution`; a different random
/// generator, so not the same draws).
///
/// Per view: with probability 0.6 (not for the first) it is placed near a uniformly chosen earlier
/// view (zoom times exp(N(0, 0.2²)), centre moved by N(0, (0.2·window)²)), else the zoom is
/// log-uniform; rotation, tilt, tilt axis and distance are uniform. The shape is rejected and
/// redrawn when a corner of the view maps behind the camera or the view cannot fit inside the
/// photo shrunk by 1 px; otherwise the centre is drawn (or clipped, for a near view) inside the
/// range where the four corners' pre-images stay in the shrunk photo.
public enum ViewSampler {
    /// `count` views of a `photoWidth × photoHeight` photo, drawn from `random`.
    /// - Throws: `SynthError.photoTooSmall` after `ViewDistribution.maxRejections` draws in a row
    ///   that do not fit (a photo of a few pixels, or far too thin).
    public static func sample(count: Int, photoWidth: Int, photoHeight: Int, size: Int,
                              random: inout TrainingRandom, name: String) throws -> [ViewParameters] {
        var views: [ViewParameters] = []
        var rejections = 0
        let w = Double(photoWidth), h = Double(photoHeight), margin = ViewDistribution.borderMargin
        while views.count < count {
            guard rejections < ViewDistribution.maxRejections else {
                throw SynthError.photoTooSmall(path: name, width: photoWidth, height: photoHeight, size: size)
            }
            var near: Int?
            if !views.isEmpty, random.nextDouble() < ViewDistribution.nearPrevious {
                near = random.index(below: views.count)
            }
            let zoomRange = ViewDistribution.zoom
            let zoom: Double
            if let near {
                let scaled = views[near].zoom * exp(random.gaussian(mean: 0, sigma: ViewDistribution.nearZoomSigma))
                zoom = min(max(scaled, zoomRange.lowerBound), zoomRange.upperBound)
            } else {
                zoom = exp(random.uniform(log(zoomRange.lowerBound)..<log(zoomRange.upperBound)))
            }
            var view = ViewParameters(
                zoom: zoom,
                rotationDegrees: random.uniform(-ViewDistribution.rotationDegrees..<ViewDistribution.rotationDegrees),
                tiltDegrees: random.uniform(0..<ViewDistribution.tiltDegrees),
                tiltAxisDegrees: random.uniform(0..<360),
                distance: random.uniform(ViewDistribution.distance.lowerBound..<ViewDistribution.distance.upperBound),
                nearView: near)
            guard let offsets = cornerOffsets(view, photoWidth: photoWidth, photoHeight: photoHeight, size: size) else {
                rejections += 1
                continue
            }
            let low = (margin - offsets.minX, margin - offsets.minY)
            let high = (w - margin - offsets.maxX, h - margin - offsets.maxY)
            guard low.0 <= high.0, low.1 <= high.1 else {
                rejections += 1
                continue
            }
            if let near {
                let window = ViewDistribution.baseWindow * Double(min(photoWidth, photoHeight)) / views[near].zoom
                let sigma = ViewDistribution.nearCenterSigma * window
                let x = views[near].center[0] + random.gaussian(mean: 0, sigma: sigma)
                let y = views[near].center[1] + random.gaussian(mean: 0, sigma: sigma)
                view.center = [min(max(x, low.0), high.0), min(max(y, low.1), high.1)]
            } else {
                view.center = [uniform(low.0, high.0, &random), uniform(low.1, high.1, &random)]
            }
            views.append(view)
            rejections = 0
        }
        return views
    }

    /// Uniform in [low, high), or `low` when the range is a single point.
    private static func uniform(_ low: Double, _ high: Double, _ random: inout TrainingRandom) -> Double {
        low < high ? random.uniform(low..<high) : low
    }

    /// The extent of the view corners' pre-images relative to the centre (cx, cy), or nil when a
    /// corner lies behind the camera (the view would show the horizon of the tilted plane).
    static func cornerOffsets(_ view: ViewParameters, photoWidth: Int, photoHeight: Int, size: Int)
        -> (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        var shape = view
        shape.center = [0, 0]
        guard let inverse = shape.homography(photoWidth: photoWidth, photoHeight: photoHeight, size: size).inverse()
        else { return nil }
        let s = Double(size)
        var bounds = (minX: Double.infinity, minY: Double.infinity, maxX: -Double.infinity, maxY: -Double.infinity)
        for (x, y) in [(0, 0), (s, 0), (s, s), (0, s)] {
            let p = inverse.apply(x, y)
            guard p.2 > 0 else { return nil }
            let px = p.0 / p.2, py = p.1 / p.2
            bounds = (min(bounds.minX, px), min(bounds.minY, py), max(bounds.maxX, px), max(bounds.maxY, py))
        }
        return bounds
    }
}

import Foundation

/// The geometry of one synthetic view: a virtual camera looking at the photo as a plane.
///
/// Stored in `meta.json` (`images[].params`) with the NumPy generator's keys, so the same type
/// reads the committed fixture's parameters (`Tests/MirrorSynthTests` rebuilds its homographies).
public struct ViewParameters: Equatable, Sendable, Codable {
    /// z: the view spans `baseWindow · min(W, H) / z` photo pixels.
    public var zoom: Double
    /// φ, the in-plane rotation, degrees.
    public var rotationDegrees: Double
    /// θ, the tilt of the photo plane, degrees.
    public var tiltDegrees: Double
    /// ψ, the direction of the tilt axis in the photo plane, degrees.
    public var tiltAxisDegrees: Double
    /// d, camera distance and focal length in units of the view side S.
    public var distance: Double
    /// (cx, cy): the photo point (continuous pixel coordinates) at the view's centre.
    public var center: [Double]
    /// The earlier view of the same photo this one was placed near, if any.
    public var nearView: Int?

    public init(zoom: Double, rotationDegrees: Double, tiltDegrees: Double, tiltAxisDegrees: Double,
                distance: Double, center: [Double] = [0, 0], nearView: Int? = nil) {
        self.zoom = zoom
        self.rotationDegrees = rotationDegrees
        self.tiltDegrees = tiltDegrees
        self.tiltAxisDegrees = tiltAxisDegrees
        self.distance = distance
        self.center = center
        self.nearView = nearView
    }

    enum CodingKeys: String, CodingKey {
        case zoom, distance, center
        case rotationDegrees = "rotation_deg", tiltDegrees = "tilt_deg", tiltAxisDegrees = "tilt_axis_deg"
        case nearView = "near_view"
    }

    /// Writes every key, `near_view` as `null` when absent (the generator's layout).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(zoom, forKey: .zoom)
        try container.encode(rotationDegrees, forKey: .rotationDegrees)
        try container.encode(tiltDegrees, forKey: .tiltDegrees)
        try container.encode(tiltAxisDegrees, forKey: .tiltAxisDegrees)
        try container.encode(distance, forKey: .distance)
        try container.encode(center, forKey: .center)
        try container.encode(nearView, forKey: .nearView)
    }

    /// H (photo → view), all float64:
    ///
    ///     H = T(S/2, S/2) · P(θ, ψ, d·S) · R(φ) · diag(k, k, 1) · T(−cx, −cy),   k = z·S / (0.4·min(W, H))
    ///
    /// with R(φ) the in-plane rotation and P = [[r11, r12, 0], [r21, r22, 0], [r31/D, r32/D, 1]],
    /// r the rotation by θ about the in-plane axis (cos ψ, sin ψ, 0) (Rodrigues), D = d·S: the
    /// photo plane tilted by θ seen by a pinhole camera at distance D with focal length D, so the
    /// view centre keeps scale k. The product is taken left to right, as the generator's `@` chain.
    public func homography(photoWidth: Int, photoHeight: Int, size: Int) -> Homography {
        let s = Double(size)
        let k = zoom * s / (ViewDistribution.baseWindow * Double(min(photoWidth, photoHeight)))
        return Homography.translation(s / 2, s / 2)
            * Self.tilt(degrees: tiltDegrees, axisDegrees: tiltAxisDegrees, distance: distance * s)
            * Self.rotation(degrees: rotationDegrees)
            * Homography.scale(k, k)
            * Homography.translation(-center[0], -center[1])
    }

    /// Degrees to radians as `np.radians` computes it (x · π/180).
    static func radians(_ degrees: Double) -> Double { degrees * (Double.pi / 180) }

    static func rotation(degrees: Double) -> Homography {
        let c = cos(radians(degrees)), s = sin(radians(degrees))
        return Homography([c, -s, 0, s, c, 0, 0, 0, 1])
    }

    /// P(θ, ψ, D): the top-left 2×2 and the bottom row of the Rodrigues rotation
    /// r = I + sin θ·[a]ₓ + (1 − cos θ)·[a]ₓ² about a = (cos ψ, sin ψ, 0).
    static func tilt(degrees: Double, axisDegrees: Double, distance: Double) -> Homography {
        let theta = radians(degrees), psi = radians(axisDegrees)
        let a = [cos(psi), sin(psi), 0.0]
        let cross = Homography([0, -a[2], a[1], a[2], 0, -a[0], -a[1], a[0], 0])
        let square = cross * cross
        let sine = sin(theta), versine = 1 - cos(theta)
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<9 { r[i] = Homography.identity.m[i] + sine * cross.m[i] + versine * square.m[i] }
        return Homography([r[0], r[1], 0, r[3], r[4], 0, r[6] / distance, r[7] / distance, 1])
    }
}

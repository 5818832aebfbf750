import Foundation
import MirrorCore

/// The photometric changes of one view — what a different camera, exposure and white balance
/// would do to the same scene — so a network cannot match views by their colours alone.
/// Drawn and applied as the NumPy generator's `jitter_params` and `render` do; stored in
/// `meta.json` (`images[].jitter`) under the generator's keys.
public struct PhotometricJitter: Equatable, Sendable, Codable {
    /// Contrast factor about the view's mean, uniform in [0.75, 1.25).
    public var contrast: Double
    /// Added to every value after the contrast change, uniform in [−20, 20).
    public var brightness: Double
    /// Factor on the distance from the pixel's gray (0.299 R + 0.587 G + 0.114 B), uniform in [0.7, 1.3).
    public var saturation: Double
    /// Exponent on values scaled to [0, 1], uniform in [0.8, 1.25).
    public var gamma: Double
    /// Per-channel (R, G, B) factor, each uniform in [0.95, 1.05).
    public var channelGain: [Double]
    /// Standard deviation of the added Gaussian noise, uniform in [0, 4).
    public var noiseSigma: Double

    enum CodingKeys: String, CodingKey {
        case contrast, brightness, saturation, gamma
        case channelGain = "channel_gain", noiseSigma = "noise_sigma"
    }

    public init(contrast: Double, brightness: Double, saturation: Double, gamma: Double,
                channelGain: [Double], noiseSigma: Double) {
        self.contrast = contrast
        self.brightness = brightness
        self.saturation = saturation
        self.gamma = gamma
        self.channelGain = channelGain
        self.noiseSigma = noiseSigma
    }

    /// Draws the parameters in the generator's order.
    public static func draw(_ random: inout TrainingRandom) -> PhotometricJitter {
        let contrast = random.uniform(0.75..<1.25)
        let brightness = random.uniform(-20.0..<20.0)
        let saturation = random.uniform(0.7..<1.3)
        let gamma = random.uniform(0.8..<1.25)
        let gain = (0..<3).map { _ in random.uniform(0.95..<1.05) }
        let noise = random.uniform(0.0..<4.0)
        return PhotometricJitter(contrast: contrast, brightness: brightness, saturation: saturation, gamma: gamma,
                                 channelGain: gain, noiseSigma: noise)
    }

    /// Applies the jitter to interleaved RGB bytes, in float64 and in this order: saturation,
    /// contrast about the mean of all values (after saturation), brightness, channel gain, clip to
    /// [0, 255] and gamma (`255·(x/255)^γ`), Gaussian noise N(0, σ²) per value (drawn from
    /// `random` in pixel order, R, G, B, both Box–Muller branches used in turn), then round half
    /// to even and clip to bytes.
    public func apply(to pixels: [UInt8], random: inout TrainingRandom) -> [UInt8] {
        let count = pixels.count / 3
        var x = [Double](repeating: 0, count: pixels.count)
        for p in 0..<count {
            let r = Double(pixels[3 * p]), g = Double(pixels[3 * p + 1]), b = Double(pixels[3 * p + 2])
            let gray = r * 0.299 + g * 0.587 + b * 0.114
            x[3 * p] = gray + saturation * (r - gray)
            x[3 * p + 1] = gray + saturation * (g - gray)
            x[3 * p + 2] = gray + saturation * (b - gray)
        }
        let mean = x.reduce(0, +) / Double(max(x.count, 1))
        var out = [UInt8](repeating: 0, count: pixels.count)
        var spare: Double?
        for i in x.indices {
            var value = ((x[i] - mean) * contrast + mean + brightness) * channelGain[i % 3]
            value = 255 * pow(min(max(value, 0), 255) / 255, gamma)
            let noise: Double
            if let pending = spare {
                noise = pending
                spare = nil
            } else {
                let pair = random.gaussianPair()
                noise = pair.0
                spare = pair.1
            }
            value += noiseSigma * noise
            out[i] = UInt8(min(max(value.rounded(.toNearestOrEven), 0), 255))
        }
        return out
    }
}

import Foundation
import MirrorCore
import MirrorModels
import MirrorRetrieval

/// `--calibration FILE` and `--min-prob P` of `pairs` and `query --pairs-out`: which
/// `MatchabilityCalibration` turns scores into probabilities.
enum CalibrationOptions {
    static let specs: [OptionSpec] = [
        .value("calibration", "FILE", help: "Matchability calibration from 'mirror calibrate' (default for pairs: the weight "
               + "file's own, when it was fitted for these settings). Adds the probability to --format tsv."),
        .value("min-prob", "P", help: "Drop pairs whose calibrated probability of overlapping is below P (needs a calibration)."),
    ]

    static func read(_ path: String) throws -> MatchabilityCalibration {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw CalibrationError.invalid(path: path, reason: "\(error)") }
        return try MatchabilityCalibration.parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// `read`, checked to fit scores of `source` (nil: only their PCA dimension `pcaDims` is known).
    /// - Throws: `CalibrationError.otherSource` saying what differs.
    static func read(_ path: String, for source: ScoreSource?, pcaDims: Int) throws -> MatchabilityCalibration {
        let calibration = try read(path)
        if let difference = mismatch(calibration, source: source, pcaDims: pcaDims) {
            throw CalibrationError.otherSource(path: path, difference: difference)
        }
        return calibration
    }

    /// The calibration for scores of `source`: `--calibration`, else the weight file's (`archive`)
    /// when it fits them; nil when there is none to use. `source` nil (an index: the model is not
    /// known) checks only the PCA dimension `pcaDims`.
    /// - Throws: `CalibrationError.otherSource` when the asked-for calibration is for other scores,
    ///   a usage error for `--min-prob` without a usable calibration.
    static func resolve(_ args: ParsedArguments, archive: WeightArchive?, source: ScoreSource?, pcaDims: Int,
                        say: (String) -> Void) throws -> (calibration: MatchabilityCalibration?, minProbability: Double?) {
        let minProbability = try args.double("min-prob", in: 0...1)
        var calibration: MatchabilityCalibration?
        if let path = args.string("calibration") {
            calibration = try read(path, for: source, pcaDims: pcaDims)
        } else if let text = archive?.calibration {
            let origin = "\(archive!.origin) (its calibration)"
            let own = try MatchabilityCalibration.parse(text, path: origin)
            if let difference = mismatch(own, source: source, pcaDims: pcaDims) {
                if minProbability != nil { throw CalibrationError.otherSource(path: origin, difference: difference) }
                if args.string("format") == "tsv" { say("the model's calibration does not apply (\(difference)); no probabilities") }
            } else {
                calibration = own
            }
        }
        if minProbability != nil && calibration == nil {
            throw UsageError("--min-prob needs a calibration: --calibration FILE (from 'mirror calibrate') or a weight file "
                             + "that carries one", command: args.command)
        }
        return (calibration, minProbability)
    }

    private static func mismatch(_ calibration: MatchabilityCalibration, source: ScoreSource?, pcaDims: Int) -> String? {
        if let source { return calibration.source.difference(from: source) }
        var assumed = calibration.source
        assumed.pcaDims = pcaDims
        return calibration.source.difference(from: assumed)
    }
}

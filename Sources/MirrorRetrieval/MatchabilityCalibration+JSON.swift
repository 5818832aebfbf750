import Foundation

/// The calibration as JSON: a file written by `mirror calibrate --out` and the optional
/// `calibration` attribute of a weight file (layout in Docs/FORMATS.md, "Calibration").
extension MatchabilityCalibration {
    /// Numbers are written in Swift's shortest round-trip form, so parsing gives back the same
    /// doubles (JSONSerialization would round them to 15 digits).
    public var json: String {
        func string(_ text: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [text], options: [])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        func list(_ values: [Double]) -> String { "[" + values.map(\.description).joined(separator: ", ") + "]" }
        var lines = [
            "  \"method\": \(string(method.rawValue))",
            "  \"min_overlap\": \(minOverlap)",
            "  \"fitted_on\": \(string(fittedOn))",
            "  \"source\": {\"net\": \(string(source.net)), \"content_sha256\": \(string(source.contentSHA256)), "
                + "\"img_size\": \(source.imageSize), \"rmac_step\": [\(source.rmacSteps.map(String.init).joined(separator: ", "))], "
                + "\"pca_dims\": \(source.pcaDims)}",
        ]
        switch method {
        case .isotonic: lines += ["  \"scores\": \(list(scores))", "  \"probabilities\": \(list(probabilities))"]
        case .logistic: lines += ["  \"slope\": \(slope)", "  \"intercept\": \(intercept)"]
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    /// Parses `text` (from `path`, named in errors).
    /// - Throws: `CalibrationError.invalid` saying what is wrong.
    public static func parse(_ text: String, path: String) throws -> MatchabilityCalibration {
        func invalid(_ reason: String) -> CalibrationError { .invalid(path: path, reason: reason) }
        struct Source: Decodable { let net: String; let content_sha256: String; let img_size: Int; let rmac_step: [Int]; let pca_dims: Int }
        struct File: Decodable {
            let method: String, min_overlap: Double, fitted_on: String?, source: Source
            let scores: [Double]?, probabilities: [Double]?, slope: Double?, intercept: Double?
        }
        // JSONDecoder reads numbers exactly (JSONSerialization rounds some on Linux).
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(text.utf8)) } catch {
            throw invalid("expected a JSON object with method, min_overlap and source (\(error))")
        }
        guard let method = Method(rawValue: file.method) else {
            throw invalid("method must be \(Method.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        guard (0...1).contains(file.min_overlap) else { throw invalid("min_overlap must be in 0…1") }
        let s = file.source
        var calibration = MatchabilityCalibration(
            method: method, minOverlap: file.min_overlap, scores: [], probabilities: [], slope: 0, intercept: 0,
            source: ScoreSource(net: s.net, contentSHA256: s.content_sha256, imageSize: s.img_size, rmacSteps: s.rmac_step,
                                pcaDims: s.pca_dims),
            fittedOn: file.fitted_on ?? "")
        switch method {
        case .isotonic:
            guard let scores = file.scores, let probabilities = file.probabilities, !scores.isEmpty, scores.count == probabilities.count else {
                throw invalid("isotonic needs equally long, non-empty scores and probabilities")
            }
            guard zip(scores, scores.dropFirst()).allSatisfy({ $0 < $1 }),
                  zip(probabilities, probabilities.dropFirst()).allSatisfy({ $0 <= $1 }),
                  probabilities.allSatisfy({ (0...1).contains($0) }) else {
                throw invalid("scores must increase and probabilities (in 0…1) must not decrease")
            }
            (calibration.scores, calibration.probabilities) = (scores, probabilities)
        case .logistic:
            guard let slope = file.slope, let intercept = file.intercept, slope.isFinite, intercept.isFinite, slope >= 0 else {
                throw invalid("logistic needs a finite slope ≥ 0 (monotone) and intercept")
            }
            (calibration.slope, calibration.intercept) = (slope, intercept)
        }
        return calibration
    }
}

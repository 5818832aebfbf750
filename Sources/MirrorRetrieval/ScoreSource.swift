import Foundation

/// What produced a set of PR-MAC scores: the model (by its weights' `content_sha256`) and the
/// settings that shape the score distribution (input size, R-MAC steps, PCA dimension; 0 = no
/// PCA). A calibration is valid only for scores of the same source, so `mirror pairs --format tsv`
/// writes it as the list's first line and `mirror calibrate` records it.
public struct ScoreSource: Equatable, Sendable {
    public var net: String
    public var contentSHA256: String
    public var imageSize: Int
    public var rmacSteps: [Int]
    /// PCA output dimension, 0 when the run did not whiten (collections not larger than --out-dim).
    public var pcaDims: Int

    public init(net: String, contentSHA256: String, imageSize: Int, rmacSteps: [Int], pcaDims: Int) {
        (self.net, self.contentSHA256, self.imageSize, self.rmacSteps, self.pcaDims) = (net, contentSHA256, imageSize, rmacSteps, pcaDims)
    }

    static let headerPrefix = "# mirror scores: "

    /// `# mirror scores: net=N; weights=SHA; img-size=S; rmac-step=1,3,5; pca=K` (a comment line
    /// to pair-list readers).
    public var headerLine: String {
        "\(Self.headerPrefix)net=\(net); weights=\(contentSHA256); img-size=\(imageSize); "
            + "rmac-step=\(rmacSteps.map(String.init).joined(separator: ",")); pca=\(pcaDims)"
    }

    /// The source in a header line, nil if the line is not one.
    public static func parse(headerLine line: String) -> ScoreSource? {
        guard line.hasPrefix(headerPrefix) else { return nil }
        var fields: [String: String] = [:]
        for item in line.dropFirst(headerPrefix.count).split(separator: ";") {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let net = fields["net"], let sha = fields["weights"], let size = fields["img-size"].flatMap(Int.init),
              let steps = fields["rmac-step"]?.split(separator: ",").map({ Int($0) }), !steps.isEmpty, !steps.contains(nil),
              let pca = fields["pca"].flatMap(Int.init) else { return nil }
        return ScoreSource(net: net, contentSHA256: sha, imageSize: size, rmacSteps: steps.map { $0! }, pcaDims: pca)
    }

    /// The first setting that differs, in words; nil when equal.
    public func difference(from other: ScoreSource) -> String? {
        if net != other.net || contentSHA256 != other.contentSHA256 {
            return "fitted for \(net) weights \(contentSHA256.prefix(12)), these scores are from \(other.net) weights \(other.contentSHA256.prefix(12))"
        }
        if imageSize != other.imageSize { return "fitted at img-size \(imageSize), these scores are at \(other.imageSize)" }
        if rmacSteps != other.rmacSteps {
            return "fitted with rmac-step \(rmacSteps.map(String.init).joined(separator: ",")), these scores with "
                + other.rmacSteps.map(String.init).joined(separator: ",")
        }
        if pcaDims != other.pcaDims {
            func name(_ k: Int) -> String { k == 0 ? "no PCA" : "PCA to \(k) dims" }
            return "fitted on scores with \(name(pcaDims)), these have \(name(other.pcaDims))"
        }
        return nil
    }
}

import Foundation

/// A monotone map from a pair's PR-MAC score (sum / R) to the probability that the two images
/// overlap by at least `minOverlap` — "how likely is this pair to match" instead of a bare score,
/// so a threshold means the same thing on every collection (`mirror calibrate`, `--min-prob`).
///
/// Two fits, chosen per run by `mirror calibrate --method` (default isotonic, by measurement:
/// Docs/BENCHMARKS.md, "Calibration"):
/// - **isotonic**: pool-adjacent-violators over the scores (equal scores pooled first), the
///   non-decreasing step function that best fits the 0/1 labels in least squares; predictions
///   interpolate linearly between the fitted points and clamp outside them (scikit-learn's
///   `IsotonicRegression(out_of_bounds="clip")`, checked against it in `CalibrationTests`);
/// - **logistic**: `P = 1 / (1 + exp(−(slope · score + intercept)))` by maximum likelihood
///   (Newton's method, no penalty).
///
/// `source` says which model and settings produced the scores it was fitted on; a calibration
/// applies only to scores from the same ones.
public struct MatchabilityCalibration: Equatable, Sendable {
    public enum Method: String, CaseIterable, Sendable {
        case isotonic, logistic
    }

    public var method: Method
    public var minOverlap: Double
    /// Isotonic: fitted points, scores ascending, probabilities non-decreasing.
    public var scores: [Double]
    public var probabilities: [Double]
    /// Logistic parameters.
    public var slope: Double
    public var intercept: Double
    public var source: ScoreSource
    /// Free text: what it was fitted on.
    public var fittedOn: String

    /// The probability for `score`; monotone non-decreasing in it.
    public func probability(_ score: Double) -> Double {
        switch method {
        case .logistic:
            return 1 / (1 + exp(-(slope * score + intercept)))
        case .isotonic:
            guard let first = scores.first, let last = scores.last else { return 0 }
            if score <= first { return probabilities[0] }
            if score >= last { return probabilities[probabilities.count - 1] }
            var low = 0, high = scores.count - 1   // scores[low] < score < scores[high]
            while high - low > 1 {
                let middle = (low + high) / 2
                if scores[middle] <= score { low = middle } else { high = middle }
            }
            let t = (score - scores[low]) / (scores[high] - scores[low])
            return probabilities[low] + t * (probabilities[high] - probabilities[low])
        }
    }

    /// Fits `method` to `scores` with 0/1 `labels` (true = overlap ≥ `minOverlap`).
    public static func fit(method: Method, scores: [Double], labels: [Bool], minOverlap: Double, source: ScoreSource,
                           fittedOn: String) throws -> MatchabilityCalibration {
        guard !scores.isEmpty, scores.count == labels.count else { throw CalibrationError.noPairs }
        guard labels.contains(true), labels.contains(false) else {
            throw CalibrationError.oneClass(matchable: labels.contains(true), count: labels.count)
        }
        var calibration = MatchabilityCalibration(method: method, minOverlap: minOverlap, scores: [], probabilities: [],
                                                  slope: 0, intercept: 0, source: source, fittedOn: fittedOn)
        switch method {
        case .isotonic: (calibration.scores, calibration.probabilities) = isotonic(scores: scores, labels: labels)
        case .logistic: (calibration.slope, calibration.intercept) = logistic(scores: scores, labels: labels)
        }
        return calibration
    }

    /// Pool-adjacent-violators: distinct scores ascending, each with its pooled block's mean label.
    static func isotonic(scores: [Double], labels: [Bool]) -> (scores: [Double], probabilities: [Double]) {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Equal scores first become one point (mean label, weight = count), as scikit-learn does.
        var xs: [Double] = [], sums: [Double] = [], weights: [Double] = []
        for i in order {
            if let last = xs.last, last == scores[i] {
                sums[sums.count - 1] += labels[i] ? 1 : 0
                weights[weights.count - 1] += 1
            } else {
                xs.append(scores[i]); sums.append(labels[i] ? 1 : 0); weights.append(1)
            }
        }
        // Blocks of consecutive points: (sum, weight, point count); merge while the means decrease.
        var blockSum: [Double] = [], blockWeight: [Double] = [], blockPoints: [Int] = []
        for k in xs.indices {
            blockSum.append(sums[k]); blockWeight.append(weights[k]); blockPoints.append(1)
            while blockSum.count > 1,
                  blockSum[blockSum.count - 2] / blockWeight[blockWeight.count - 2] >= blockSum[blockSum.count - 1] / blockWeight[blockWeight.count - 1] {
                let (s, w, n) = (blockSum.removeLast(), blockWeight.removeLast(), blockPoints.removeLast())
                blockSum[blockSum.count - 1] += s; blockWeight[blockWeight.count - 1] += w; blockPoints[blockPoints.count - 1] += n
            }
        }
        var probabilities: [Double] = []
        for (b, points) in blockPoints.enumerated() {
            probabilities += Array(repeating: blockSum[b] / blockWeight[b], count: points)
        }
        // Keep only the ends of each constant run: the same interpolant, fewer points.
        var keptScores: [Double] = [], keptProbabilities: [Double] = []
        for k in xs.indices {
            let sameAsPrevious = k > 0 && probabilities[k - 1] == probabilities[k]
            let sameAsNext = k + 1 < xs.count && probabilities[k + 1] == probabilities[k]
            if !(sameAsPrevious && sameAsNext) { keptScores.append(xs[k]); keptProbabilities.append(probabilities[k]) }
        }
        return (keptScores, keptProbabilities)
    }

    /// Unpenalised logistic regression of the labels on the score by Newton's method.
    static func logistic(scores: [Double], labels: [Bool]) -> (slope: Double, intercept: Double) {
        var a = 0.0, b = 0.0
        for _ in 0..<100 {
            var ga = 0.0, gb = 0.0, haa = 0.0, hab = 0.0, hbb = 0.0
            for (x, y) in zip(scores, labels) {
                let p = 1 / (1 + exp(-(a * x + b)))
                let residual = p - (y ? 1 : 0), w = max(p * (1 - p), 1e-12)
                ga += residual * x; gb += residual
                haa += w * x * x; hab += w * x; hbb += w
            }
            let det = haa * hbb - hab * hab
            guard det > 0 else { break }
            let da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det
            a -= da; b -= db
            if abs(da) < 1e-12 * max(1, abs(a)) && abs(db) < 1e-12 * max(1, abs(b)) { break }
        }
        return (a, b)
    }

    /// Expected calibration error over `bins` equal-width probability bins: Σ (n_b / n) ·
    /// |mean label − mean probability| of each bin (a probability of exactly 1 goes to the last).
    public static func expectedCalibrationError(probabilities: [Double], labels: [Bool], bins: Int = 10)
        -> (error: Double, bins: [(count: Int, meanProbability: Double, fraction: Double)]) {
        var count = [Int](repeating: 0, count: bins), sumP = [Double](repeating: 0, count: bins)
        var positives = [Double](repeating: 0, count: bins)
        for (p, y) in zip(probabilities, labels) {
            let bin = min(bins - 1, max(0, Int(p * Double(bins))))
            count[bin] += 1; sumP[bin] += p; positives[bin] += y ? 1 : 0
        }
        let total = Double(max(1, probabilities.count))
        var error = 0.0
        let table = (0..<bins).map { b -> (count: Int, meanProbability: Double, fraction: Double) in
            guard count[b] > 0 else { return (0, 0, 0) }
            let meanP = sumP[b] / Double(count[b]), fraction = positives[b] / Double(count[b])
            error += Double(count[b]) / total * abs(fraction - meanP)
            return (count[b], meanP, fraction)
        }
        return (error, table)
    }
}

public enum CalibrationError: Error, Equatable, CustomStringConvertible {
    case noPairs
    case oneClass(matchable: Bool, count: Int)
    case invalid(path: String, reason: String)
    case otherSource(path: String, difference: String)

    public var description: String {
        switch self {
        case .noPairs: return "no scored pairs to calibrate on"
        case .oneClass(let matchable, let count):
            return "all \(count) scored pairs are \(matchable ? "matchable" : "unmatchable"): a calibration needs both "
                + "(list more partners per image, e.g. --top 50, or use another --min-overlap)"
        case .invalid(let path, let reason): return "\(path): not a usable calibration: \(reason)"
        case .otherSource(let path, let difference): return "\(path): the calibration is for other scores: \(difference)"
        }
    }
}

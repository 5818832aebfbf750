import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval
import MirrorTraining

/// `mirror calibrate`: fits (or checks) the map from PR-MAC score to the probability that a pair
/// overlaps (`MatchabilityCalibration`) on a scored pair list and ground-truth overlaps.
enum CalibrateCommand {
    static let command = Command(
        name: "calibrate",
        summary: "Fit or check the map from pair score to the probability that the two images overlap.",
        synopsis: "--pairs SCORED.tsv --overlaps DIR (--out CAL.json | --check CAL.json) [options]",
        discussion: """
        SCORED.tsv comes from 'mirror pairs --format tsv' (its first line names the model and settings the \
        scores come from; list many partners per image, e.g. --top 50, so unmatchable pairs are seen too). \
        DIR holds images.txt and pairs.tsv with overlaps (from 'mirror synth' or 'mirror overlaps'); a pair \
        is matchable when its overlap is at least --min-overlap. --out fits and writes the calibration (attach \
        it to a weight file with 'mirror convert W.h5 --out W.h5 --calibration CAL.json'); --check measures \
        an existing one on other pairs. Both report the expected calibration error over 10 bins.
        """,
        options: [
            .value("pairs", "SCORED.tsv", help: "Scored pair list from 'mirror pairs --format tsv'."),
            .value("overlaps", "DIR", help: "Folder with images.txt and pairs.tsv (ground-truth overlaps)."),
            .value("min-overlap", "T", help: "Overlap from which a pair counts as matchable.", default: "0.5"),
            .value("method", "METHOD", help: "Fit: isotonic (pool-adjacent-violators) or logistic.", default: "isotonic",
                   allowed: MatchabilityCalibration.Method.allCases.map(\.rawValue)),
            .value("out", "CAL.json", help: "Write the fitted calibration here."),
            .value("check", "CAL.json", help: "Measure this calibration instead of fitting one."),
            .value("plot", "FILE.png", help: "Reliability diagram: observed fraction of matchable pairs against predicted probability."),
            .flag("json", help: "Print the report as JSON."),
        ],
        run: { args, console in try CalibrateRunner.run(args, console: console) })
}

enum CalibrateRunner {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        let pairsPath = try args.required("pairs"), folder = try args.required("overlaps")
        let minOverlap = try args.double("min-overlap", in: 0...1)!
        guard (args.string("out") == nil) != (args.string("check") == nil) else {
            throw UsageError("give exactly one of --out (fit) and --check (measure)", command: args.command)
        }
        let (source, scores, labels) = try scoredPairs(pairsPath, overlaps: folder, minOverlap: minOverlap)
        let calibration: MatchabilityCalibration
        if let checked = args.string("check") {
            calibration = try CalibrationOptions.read(checked, for: source, pcaDims: source.pcaDims)
            if calibration.minOverlap != minOverlap {
                throw UsageError("\(checked) is for overlap ≥ \(calibration.minOverlap); pass --min-overlap \(calibration.minOverlap)",
                                 command: args.command)
            }
        } else {
            let method = MatchabilityCalibration.Method(rawValue: try args.choice("method")!)!
            let fittedOn = "\(scores.count) scored pairs of \((pairsPath as NSString).lastPathComponent), "
                + "\(labels.filter { $0 }.count) with overlap ≥ \(minOverlap) (\((folder as NSString).lastPathComponent))"
            calibration = try MatchabilityCalibration.fit(method: method, scores: scores, labels: labels, minOverlap: minOverlap,
                                                          source: source, fittedOn: fittedOn)
            try AtomicFile.write(Array(calibration.json.utf8), to: args.string("out")!)
        }
        let probabilities = scores.map(calibration.probability)
        let ece = MatchabilityCalibration.expectedCalibrationError(probabilities: probabilities, labels: labels)
        if let plot = args.string("plot") {
            try AtomicFile.write(PNGEncoder.encode(reliabilityDiagram(ece.bins, error: ece.error, name: pairsPath)), to: plot)
        }
        console.out(args.flag("json") ? json(calibration, ece: ece, pairs: scores.count, labels: labels).text
                    : report(calibration, ece: ece, pairs: pairsPath, labels: labels, wrote: args.string("out")))
        return 0
    }

    /// The list's source (first line), and per listed pair its score and whether it is matchable.
    static func scoredPairs(_ path: String, overlaps folder: String, minOverlap: Double) throws
        -> (source: ScoreSource, scores: [Double], labels: [Bool]) {
        let text: String
        do { text = String(decoding: try AtomicFile.read(path), as: UTF8.self) } catch {
            throw UsageError.invalidValue("pairs", path, command: "calibrate", reason: "\(error)")
        }
        guard let source = ScoreSource.parse(headerLine: String(text.prefix { $0 != "\n" })) else {
            throw CalibrationError.invalid(path: path, reason: "its first line does not name the scores' source; write the list "
                                           + "with 'mirror pairs --format tsv'")
        }
        let table = try OverlapTable.read(imageList: (folder as NSString).appendingPathComponent("images.txt"),
                                          pairs: (folder as NSString).appendingPathComponent("pairs.tsv"))
        let names = PairNames(table.images)
        let listed = try PairListScoring.parsePairs(text, path: path, resolve: names.index)
        let overlap = table.overlapByPair
        var scores: [Double] = [], labels: [Bool] = []
        for pair in listed {
            guard let score = pair.score else {
                throw CalibrationError.invalid(path: path, reason: "a pair has no score (list written with --format tsv?)")
            }
            scores.append(score)
            labels.append((overlap[PairList.key(pair.first, pair.second)] ?? 0) >= minOverlap)
        }
        return (source, scores, labels)
    }

    static func report(_ c: MatchabilityCalibration, ece: (error: Double, bins: [(count: Int, meanProbability: Double, fraction: Double)]),
                       pairs: String, labels: [Bool], wrote: String?) -> String {
        var lines = [
            "\(pairs): \(labels.count) scored pairs, \(labels.filter { $0 }.count) matchable (overlap ≥ \(c.minOverlap))",
            "  calibration        \(c.method.rawValue)" + (wrote.map { " → \($0)" } ?? ""),
            String(format: "  ECE (10 bins)      %.4f", ece.error),
            "  bin        pairs   mean probability   fraction matchable",
        ]
        for (b, bin) in ece.bins.enumerated() where bin.count > 0 {
            lines.append(String(format: "  %.1f–%.1f  %7d   %16.4f   %18.4f", Double(b) / 10, Double(b + 1) / 10, bin.count,
                                bin.meanProbability, bin.fraction))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ c: MatchabilityCalibration, ece: (error: Double, bins: [(count: Int, meanProbability: Double, fraction: Double)]),
                     pairs: Int, labels: [Bool]) -> JSON {
        .object([
            ("method", .string(c.method.rawValue)), ("min_overlap", .number(c.minOverlap)), ("pairs", .integer(pairs)),
            ("matchable", .integer(labels.filter { $0 }.count)), ("ece", .number(ece.error)),
            ("bins", .array(ece.bins.map {
                .object([("pairs", .integer($0.count)), ("mean_probability", .number($0.meanProbability)), ("fraction", .number($0.fraction))])
            })),
        ])
    }

    /// Observed fraction against mean predicted probability per non-empty bin, with the diagonal.
    static func reliabilityDiagram(_ bins: [(count: Int, meanProbability: Double, fraction: Double)], error: Double,
                                   name: String) -> RGBImage {
        let points = bins.filter { $0.count > 0 }.map { (x: $0.meanProbability, y: $0.fraction) }
        return CurvePlot.render(title: String(format: "reliability (ECE %.4f)", error),
                                x: .init(title: "predicted probability of overlap"), y: .init(title: "fraction matchable"),
                                series: [.init(label: (name as NSString).lastPathComponent, points: points),
                                         .init(label: "perfectly calibrated", points: [(0, 0), (1, 1)])])
    }
}

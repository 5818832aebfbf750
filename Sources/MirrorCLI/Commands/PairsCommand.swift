import Foundation
import MirrorCore
import MirrorImageIO
import MirrorRetrieval
import Engines

/// `mirror pairs`: the one-shot job for newcomers — extract (default model), index, query, and write
/// the image pairs worth matching. Features are kept in a folder and reused by the next run.
enum PairsCommand {
    static let command = Command(
        name: "pairs",
        summary: "One shot: extract, index and query a folder or list; write image pairs to match.",
        synopsis: "IMAGE_DIR_OR_LIST [--top K] [--out PAIRS.txt] [options]",
        discussion: """
        Images are found recursively (JPEG/PNG) in a folder, or read from a list file. Features go to a \
        subfolder of --features (default: <folder>/.mirror-features, or beside the list) named for the model and \
        extraction settings (with its settings.txt), and are reused by runs with the same ones. \
        Then the seed's GL3D recipe: R-MAC steps 1,3,5 at --img-size, PCA-whitening to --out-dim when the \
        collection is larger, PR-MAC, and the top K other images per image. The pair list feeds COLMAP's \
        matches_importer (--format colmap) or hloc (--format hloc); names are relative to the folder. \
        The run's index is kept beside the features: a re-run appends new images under its PCA, and \
        --new-only then writes just the pairs that involve them. With a calibration (the weight file's, or \
        --calibration) --format tsv adds each pair's probability of overlapping and --min-prob selects by it; \
        --mutual, --min-degree, --connect and --max-pairs choose pairs beyond top-k and print a summary \
        (each unordered pair is then listed once). Without any of --top, --min-score, --min-prob, \
        --min-degree, --mutual, --connect and --max-pairs, the default selection is used: every image's \
        10 best partners, and the parts of the pair graph linked by their best cross pairs (--top 10 \
        --connect), chosen by measurement (Docs/BENCHMARKS.md, "Pair selection"). Give --top K alone \
        for plain top-k.
        """,
        options: [
            .value("out", "FILE", help: "Pair list to write.", default: "pairs.txt"),
            .value("top", "K", help: "Pairs kept per image (self excluded). Default: 10 with --connect (the default "
                   + "selection, above); 20 when other choosing flags are given."),
            .value("format", "FMT", help: "Pair list format.", default: "colmap", allowed: PairList.Format.allCases.map(\.rawValue)),
            .value("min-score", "S", help: "Drop pairs scoring below S (sum/regions)."),
            .value("features", "DIR", help: "Where features are stored and reused (one subfolder per model and settings)."),
            .value("img-size", "S", help: "Short side after scaling; the crop is S×S (default: what the weight file was "
                   + "validated at, else 896).", default: "896"),
            .value("rmac-step", "LIST", help: "R-MAC grid steps.", default: "1,3,5"),
            SharedOptions.dct,
            .value("out-dim", "K", help: "PCA-whiten to K dimensions when there are more than K images.", default: "256"),
            .value("max-memory", "MB", help: "Working-memory budget of the matcher.", default: "1024"),
            SharedOptions.shortlist,
            .flag("new-only", help: "Write only the pairs that involve images new since the last run over this folder or list "
                  + "(by content: a renamed or moved photo is not new), so the matcher sees only those."),
            .flag("refit-pca", help: "Fit the PCA anew over all images (by default a re-run keeps the last run's PCA and vectors)."),
        ] + CalibrationOptions.specs + SelectionOptions.specs + SharedOptions.model + SharedOptions.compute + [SharedOptions.quiet],
        run: { args, console in try PairsRunner.run(args, console: console) })
}

enum PairsRunner {
    static func run(_ args: ParsedArguments, console: Console) throws -> Int32 {
        try args.checkPositionals(1...1, describing: "the image folder or list")
        let input = args.positionals[0]
        let top = try args.int("top", in: 1...Int.max) ?? 20
        let format = PairList.Format(rawValue: try args.choice("format")!)!
        let minScore = try args.double("min-score")
        let selection = try ModelSelection.resolve(args)
        let (size, steps, dct) = try ModelSelection.extractionSettings(
            args, selection: selection, imageSize: try args.int("img-size", in: 32...8192)!,
            rmacSteps: try args.intList("rmac-step", in: 1...64)!, dct: try args.choice("dct")!)
        let outDim = try args.int("out-dim", in: 1...65536)!
        let budget = try args.int("max-memory", in: 16...1_048_576)! << 20
        let requestedShortlist = try SharedOptions.requestedShortlist(args)
        let threads = try SharedOptions.threads(args)
        let quiet = args.flag("quiet")
        let newOnly = args.flag("new-only")
        let out = try args.required("out")

        // Images and their names as the reconstruction tool will see them.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw ExtractionError.missingInput(path: input)
        }
        let images: [String], names: [String], defaultFeatures: String
        if isDirectory.boolValue {
            images = try ImageList.expand([input])
            let prefix = input.hasSuffix("/") ? input : input + "/"
            names = images.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
            defaultFeatures = (input as NSString).appendingPathComponent(".mirror-features")
        } else {
            images = try ImageList.read(listPath: input, root: nil)
            names = images
            defaultFeatures = ((input as NSString).deletingLastPathComponent as NSString).appendingPathComponent("mirror-features")
        }
        let configuration = FeatureExtractor.Configuration(imageSize: size, steps: steps, multiScale: false, pool: .max,
                                                           dct: DCTMethod(rawValue: dct)!)
        // One subfolder per model and settings (FeatureCache): other weights or sizes never reuse them.
        let featureFolder = try FeatureCache.folder(in: args.string("features") ?? defaultFeatures, extraction: configuration,
                                                    selection: selection)
        // Features are named by content (FeatureCache.contentKeys): moved or renamed photos reuse
        // theirs, and identical files are extracted once.
        let cached = try FeatureCache.ContentOutputs(images: images, folder: featureFolder, threads: threads ?? defaultThreadCount)
        let (outputs, unique) = (cached.outputs, cached.unique)
        let (extractor, _, shape) = try ExtractRunner.makeExtractor(
            args, selection: selection, configuration: configuration, backend: try args.choice("backend")!, threads: threads)
        if !quiet {
            console.err("mirror pairs: \(images.count) images, \(selection.architecture.rawValue) (\(selection.origin)) at "
                        + "S=\(size), steps \(steps.map(String.init).joined(separator: ",")), features in \(featureFolder)")
        }
        let summary = try ExtractRunner.extract(images: unique.map { images[$0] }, outputs: unique.map { outputs[$0] },
                                                extractor: extractor, shape: shape, overwrite: false, quiet: quiet,
                                                listingFolder: featureFolder, writeLists: false, positionalInputs: false,
                                                console: console)
        let kept = cached.kept(images: images, failures: Set(summary.failures.map { $0.image }))
        guard kept.count >= 2 else { throw PairsError.tooFewImages(count: kept.count) }

        let statePath = PairsState.path(featureFolder: featureFolder, input: input)
        let state = try PairsState.index(entries: kept.map { outputs[$0] }, statePath: statePath, outDim: outDim,
                                         refit: args.flag("refit-pca"), threads: threads) { console.err("mirror pairs: " + $0) }
        let index = state.index
        let shortlist = SharedOptions.shortlist(requestedShortlist, databaseImages: index.count) {
            if !quiet { console.err("mirror pairs: " + $0) }
        }
        let matcher = index.matcher(memoryBudget: budget, threads: threads, shortlist: shortlist)
        // Calibration and selection are known before matching: the selection ranks deeper.
        let source = ScoreSource(net: selection.architecture.rawValue, contentSHA256: selection.archive.contentSHA256,
                                 imageSize: size, rmacSteps: steps, pcaDims: index.pca?.outputDims ?? 0)
        let (calibration, minProbability) = try CalibrationOptions.resolve(
            args, archive: selection.archive, source: source, pcaDims: source.pcaDims) { if !quiet { console.err("mirror pairs: " + $0) } }
        let defaults = !SelectionOptions.choosingFlags.contains(where: args.isSet)
        let selecting = defaults
            ? SelectionOptions.pairsDefault(connectFloor: try args.double("connect-floor", in: -1...1)!)
            : try SelectionOptions.parse(args, top: top, minScore: minScore, minProbability: minProbability)
        if defaults, let selecting, !quiet { console.err("mirror pairs: the default selection, " + SelectionOptions.defaultFlags(selecting)) }
        // +1: each image finds itself first (self pairs are dropped from the list).
        let results = QueryExpansion.run(matcher: matcher, queries: nil,
                                         top: SelectionOptions.depth(selecting, top: top, images: index.count))
        var pairs: [PairList.Pair]
        if let selecting {
            let (edges, summary) = PairSelection.select(results, regions: index.regions, options: selecting, calibration: calibration)
            pairs = SelectionOptions.pairs(edges)
            if !quiet { console.err("mirror pairs: " + SelectionOptions.describe(summary, options: selecting)) }
        } else {
            pairs = PairList.pairs(results, regions: index.regions, format: format, minScore: minScore,
                                   calibration: calibration, minProbability: minProbability)
        }
        // The state is saved first: the index is good even when no pair passes (nothing is recomputed next time).
        if pairs.isEmpty {
            try index.write(to: statePath)
            throw PairsError.noPairs(minScore: minScore, minProbability: minProbability)
        }
        let newImages = state.isNew.filter { $0 }.count
        if newOnly {
            if state.newPairsComplete {
                pairs = pairs.filter { state.isNew[$0.first] || state.isNew[$0.second] }
            } else if !quiet {
                console.err("mirror pairs: --new-only writes every pair, since pairs between earlier images changed with the PCA")
            }
        }
        try AtomicFile.write(Array(try PairList.format(pairs, names: kept.map { names[$0] }, format: format,
                                                       header: source.headerLine).utf8), to: out)
        // Recorded only after the pair list is written: a run killed before leaves the last run's
        // state, so the next --new-only run writes these pairs again rather than never.
        try index.write(to: statePath)
        if !quiet {
            console.err("mirror pairs: \(newImages) of \(index.count) images new since the last run; \(pairs.count) "
                        + (newOnly ? "pairs involving them" : "pairs") + " (\(format.rawValue)) → \(out)"
                        + (index.pca == nil ? "" : ", PCA-whitened to \(index.dims) dims"))
        }
        return summary.failures.isEmpty ? 0 : 1
    }
}

enum PairsError: Error, CustomStringConvertible {
    case tooFewImages(count: Int)
    case noPairs(minScore: Double?, minProbability: Double?)

    var description: String {
        switch self {
        case .tooFewImages(let count): return "only \(count) image(s) could be read; pairs need at least two"
        case .noPairs(let minScore, let minProbability):
            let given = [minScore.map { "--min-score \($0)" }, minProbability.map { "--min-prob \($0)" }].compactMap { $0 }
            return "no pair passes \(given.isEmpty ? "the selection" : given.joined(separator: " and ")): the pair graph is empty "
                + "(lower the threshold, or add --min-degree K)"
        }
    }
}

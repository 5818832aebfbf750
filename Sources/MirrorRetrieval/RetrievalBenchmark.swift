import Foundation

/// All-vs-all retrieval timing and recall on synthetic whitened features with planted neighbours
/// (`PlantedFeatures`), for `mirror bench --task retrieval`.
///
/// One run times the search the settings ask for (exhaustive PR-MAC, or the two-stage shortlist)
/// over every image as a query, and measures on the same features what it found:
/// - planted recall: the share of each query's planted neighbours in its top `top` (self excluded);
/// - against exhaustive PR-MAC on `sample` queries (all of them when `sample` is nil and the
///   search is exhaustive): the exhaustive planted recall, and the share of exhaustive's top
///   `top` that the timed search also returned ("top recall").
/// With `index` the features are an index's own (real) vectors and there is no planted recall.
public enum RetrievalBenchmark {
    public struct Settings: Sendable {
        public var images: Int
        public var regions = 35
        public var dims = 256
        public var top = 50
        /// 0: exhaustive.
        public var shortlist = 0
        public var descriptor: GlobalDescriptor = .regionSum
        public var half = false
        /// Queries of the exhaustive reference (evenly spaced); nil: none for a shortlist run.
        public var sample: Int?
        public var threads: Int?
        public var memoryBudget = 1 << 30
        public var planted: PlantedFeatures
        /// Real features instead of planted ones (`--index`): images, regions and dims are the
        /// index's, and there is no planted recall.
        public var index: RetrievalIndex?

        public init(images: Int) {
            self.images = images
            planted = PlantedFeatures(images: images, regions: 35, dims: 256)
        }

        public init(index: RetrievalIndex) {
            self.init(images: index.count)
            (regions, dims, half) = (index.regions, index.dims, index.vectors.precision == .float16)
            self.index = index
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var settings: Settings
        public var threads: Int
        /// Wall time of the timed search, seconds.
        public var seconds: Double
        /// Bytes of the stored region vectors (the index file's vector section).
        public var indexBytes: Int
        /// nil for real features.
        public var plantedRecall: Double?
        /// The exhaustive reference, when run: its queries, seconds, planted recall on them, and
        /// the share of its top lists the timed search returned on the same queries.
        public var referenceQueries: Int?
        public var referenceSeconds: Double?
        public var referencePlantedRecall: Double?
        public var topRecall: Double?
        /// Planted recall of the timed search on the reference's queries.
        public var sampledPlantedRecall: Double?

        public var queryImagesPerSecond: Double { Double(settings.images) / seconds }

        public var description: String {
            let s = settings
            var text = String(format: "retrieval: %d %@ images × %d regions × %d dims (%@), top %d, %@, %d threads: %.2f s, "
                              + "%.1f query images/s, index %.0f MB",
                              s.images, s.index == nil ? "planted" : "indexed", s.regions, s.dims, s.half ? "float16" : "float32", s.top,
                              s.shortlist > 0 ? "shortlist \(s.shortlist) by \(s.descriptor.rawValue)" : "exhaustive",
                              threads, seconds, queryImagesPerSecond, Double(indexBytes) / 1e6)
            if let plantedRecall { text += String(format: ", planted recall %.4f", plantedRecall) }
            if let queries = referenceQueries, let seconds = referenceSeconds {
                text += String(format: "; exhaustive on %d queries: %.2f s", queries, seconds)
                if let recall = referencePlantedRecall, let sampled = sampledPlantedRecall {
                    text += String(format: ", planted recall %.4f (this search %.4f, ratio %.4f)", recall, sampled, sampled / recall)
                }
                if let topRecall { text += String(format: ", recall of exhaustive top %d: %.4f", s.top, topRecall) }
            }
            return text
        }
    }

    public static func run(_ settings: Settings) -> Report {
        var planted = settings.planted
        (planted.images, planted.regions, planted.dims) = (settings.images, settings.regions, settings.dims)
        let threads = settings.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let vectors = settings.index.map { settings.half ? $0.vectors.toHalf() : $0.vectors }
            ?? planted.generate(half: settings.half, threads: threads)
        let isPlanted = settings.index == nil
        var matcher = PRMACMatcher(database: vectors, regions: settings.regions, dims: settings.dims,
                                   memoryBudget: settings.memoryBudget, threads: threads)
        matcher.shortlist = settings.shortlist
        matcher.shortlistDescriptor = settings.descriptor
        let top = min(settings.top + 1, settings.images)   // +1: each image finds itself
        let start = DispatchTime.now().uptimeNanoseconds
        let results = matcher.match(top: top)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var report = Report(settings: settings, threads: threads, seconds: seconds,
                            indexBytes: vectors.rows * vectors.dims * vectors.precision.size,
                            plantedRecall: isPlanted ? plantedRecall(results, queries: Array(0..<settings.images), planted: planted, top: settings.top) : nil)

        guard settings.shortlist > 0 || settings.sample != nil else { return report }
        let count = min(settings.sample ?? settings.images, settings.images)
        let queries = (0..<count).map { $0 * settings.images / count }
        matcher.shortlist = 0
        let reference: [[Match]]
        let referenceStart = DispatchTime.now().uptimeNanoseconds
        if settings.shortlist == 0 && count == settings.images {
            reference = results
        } else if count == settings.images {
            reference = matcher.match(top: top)   // every image: the symmetric exhaustive path
        } else {
            var rows = [Float](repeating: 0, count: count * settings.regions * settings.dims)
            vectors.withRows { reader in
                rows.withUnsafeMutableBufferPointer { out in
                    for (slot, image) in queries.enumerated() {
                        reader.copy(rows: image * settings.regions, count: settings.regions,
                                    to: out.baseAddress! + slot * settings.regions * settings.dims)
                    }
                }
            }
            reference = matcher.match(queries: rows, top: top)
        }
        report.referenceSeconds = Double(DispatchTime.now().uptimeNanoseconds - referenceStart) / 1e9
        report.referenceQueries = count
        let timed = queries.map { results[$0] }
        if isPlanted {
            report.referencePlantedRecall = plantedRecall(reference, queries: queries, planted: planted, top: settings.top)
            report.sampledPlantedRecall = plantedRecall(timed, queries: queries, planted: planted, top: settings.top)
        }
        var found = 0, total = 0
        for (slot, image) in queries.enumerated() {
            let expected = Set(reference[slot].map(\.index).filter { $0 != image })
            found += timed[slot].filter { expected.contains($0.index) }.count
            total += expected.count
        }
        report.topRecall = total == 0 ? nil : Double(found) / Double(total)
        return report
    }

    /// Share of the planted neighbours of `queries` found in their `top` results (self excluded).
    static func plantedRecall(_ results: [[Match]], queries: [Int], planted: PlantedFeatures, top: Int) -> Double {
        var found = 0, total = 0
        for (list, image) in zip(results, queries) {
            let truth = Set(planted.plantedNeighbours(of: image))
            found += list.lazy.filter { $0.index != image }.prefix(top).filter { truth.contains($0.index) }.count
            total += truth.count
        }
        return total == 0 ? 1 : Double(found) / Double(total)
    }
}

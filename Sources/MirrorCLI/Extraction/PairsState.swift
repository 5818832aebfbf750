import Foundation
import MirrorCore
import MirrorRetrieval

/// The index of `mirror pairs`' last completed run over one collection, kept in the feature folder
/// as `pairs-<key>.index` (index format, float32; the key is the first 12 hex digits of the
/// SHA-256 of the collection's absolute path).
///
/// Why keep it: a collection grows (a drone survey adds a flight, a city scan a week of photos).
/// The next run reuses its vectors and PCA (`RetrievalIndex.reused`), so only new photos are read,
/// and `--new-only` knows which photos are new: those whose content (the SHA-256 naming their
/// feature file) the last run did not hold. Keeping the PCA is also what makes `--new-only`
/// complete: with the same PCA, the pairs between earlier photos can only lose partners to new
/// photos, never gain any, so the last run's pairs plus the new-only pairs hold every pair of a
/// full run. When the PCA is refitted that no longer holds, and `--new-only` writes every pair.
enum PairsState {
    struct Outcome {
        let index: RetrievalIndex
        /// Per image of `index`: absent from the last run. All true without a usable last run.
        let isNew: [Bool]
        /// Whether the last run's pairs plus the pairs touching new images hold every pair of this
        /// run: false when the PCA was refitted although there was a last run.
        let newPairsComplete: Bool
    }

    static func path(featureFolder: String, input: String) -> String {
        let absolute = URL(fileURLWithPath: input).standardizedFileURL.path
        let key = SHA256.hex(SHA256.hash(Array(absolute.utf8))).prefix(12)
        return (featureFolder as NSString).appendingPathComponent("pairs-\(key).index")
    }

    /// The index over `entries` (content-named feature files): the last run's index at `statePath`
    /// with the new images appended under its PCA, or a fresh build when there is none, it cannot
    /// be read (a notice says so; it is only a cache), `refit` is asked for, the PCA dimension
    /// changed, or the collection has outgrown a last run that was too small for PCA.
    static func index(entries: [String], statePath: String, outDim: Int, refit: Bool, threads: Int?,
                      say: (String) -> Void) throws -> Outcome {
        let key = { (entry: String) in (entry as NSString).lastPathComponent }
        var last: RetrievalIndex?
        if FileManager.default.fileExists(atPath: statePath) {
            do { last = try RetrievalIndex.read(from: statePath) } catch { say("\(error); the last run's index is rebuilt") }
        }
        let load = { (entries: [String]) in
            try FeatureSet.load(entries: entries, root: nil, aggregation: .regional, listName: "the pairs feature folder")
        }
        if let last, !refit {
            let reason: String? = switch last.pca {
            case .some(let pca) where pca.outputDims != outDim: "--out-dim changed from \(pca.outputDims) to \(outDim)"
            case .none where entries.count > outDim: "the collection now has more than \(outDim) images"
            default: nil
            }
            if let reason {
                say("PCA refitted over all images (\(reason)): pairs between earlier images may change")
            } else {
                if last.pca != nil && entries.count >= 2 * last.count {
                    say("the collection has doubled since the last run (\(last.count) → \(entries.count) images) and keeps "
                        + "its PCA; --refit-pca fits it anew (then run without --new-only once)")
                }
                let (index, isNew) = try last.reused(for: entries, key: key, load: load)
                return Outcome(index: index, isNew: isNew, newPairsComplete: true)
            }
        }
        let index = try RetrievalIndex.build(features: try load(entries), pca: PCAConfig(outDim: outDim), threads: threads)
        let held = Set((last?.entries ?? []).map(key))
        return Outcome(index: index, isNew: entries.map { !held.contains(key($0)) }, newPairsComplete: last == nil)
    }
}

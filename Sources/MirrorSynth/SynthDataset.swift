import Foundation
import MirrorCore
import MirrorImageIO

/// `mirror synth`: a folder of photos → GL3D-like training data in mirror's plain pairs format
/// (Docs/FORMATS.md "Training data"), the layout of the NumPy generator
/// `Fixtures/scripts/make_homography_set.py`:
///
///     images/<stem>_vKK.jpg   the views;  images.txt   their paths, bytewise sorted (image i = line i)
///     pairs.tsv               every pair of views of the same photo, overlap with 6 decimals
///     gl3d_gt_pairs           ordered pairs with overlap ≥ 0.5;  homographies.npy  float64 [N, 3, 3]
///     meta.json               settings, photos, per-view parameters;  failed.txt  skipped photos, if any
///
/// Photos are made in parallel (`threads` workers, one photo each); every file is written
/// atomically, the views as soon as their photo is done, the index files at the end with
/// `meta.json` last. The bytes depend on the photos, their names and the settings only — not on
/// `threads`, the order workers finish in, or the output folder's name.
///
/// A photo that cannot be used (unreadable, not a JPEG/PNG, too small) is skipped, reported
/// through `onFailure` and listed in `failed.txt` (`path<TAB>reason`) and `meta.json`: one bad
/// file in a folder of thousands should not cost the rest. All photos failing is an error.
public enum SynthDataset {
    /// What was written.
    public struct Summary: Sendable {
        public var photos: Int
        public var images: Int
        public var pairs: Int
        /// Pairs with overlap ≥ 0.5.
        public var positivePairs: Int
        /// Pairs with overlap 0.
        public var zeroPairs: Int
        public var failures: [SynthMeta.Failure]
    }

    /// Makes the set of the photos in `photos` in `out`.
    /// - Parameters:
    ///   - generator: `meta.json`'s `generator` and `versions` entry, e.g. ("mirror synth", "0.1.0").
    ///   - onStart: called once with the number of photos, before any is made.
    ///   - onPhoto: called after each photo (done, total), serialised.
    ///   - onFailure: called for each skipped photo, serialised.
    /// - Throws: `SynthError` (folders, all photos failing), `AtomicFileError` (writing).
    public static func make(photos: String, out: String, settings: SynthSettings, threads: Int, force: Bool,
                            version: String, onStart: (Int) -> Void = { _ in }, onPhoto: (Int, Int) -> Void = { _, _ in },
                            onFailure: (SynthMeta.Failure) -> Void = { _ in }) throws -> Summary {
        let names = try PhotoFolder.photoNames(photos)
        try SynthOutputFolder.prepare(out, photos: photos, force: force)
        let paths = names.map { TextList.join(photos, $0) }
        onStart(names.count)

        let state = WorkState(count: names.count)
        let workers = max(1, min(threads, names.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = state.next() {
                let outcome: Outcome
                do {
                    let bytes = try AtomicFile.read(paths[index])
                    let made = try PhotoViews.make(bytes: bytes, path: paths[index], name: names[index], settings: settings)
                    for (k, view) in made.views.enumerated() {
                        try AtomicFile.write(view.jpeg, to: out + "/" + PhotoFolder.viewPath(photo: names[index], view: k))
                    }
                    outcome = .made(made.droppingImages())
                } catch let error as AtomicFileError where error.isWrite {
                    outcome = .fatal(error)
                } catch {
                    outcome = .failed(SynthMeta.Failure(path: paths[index], reason: Self.reason(error)))
                }
                state.finish(index, outcome) { done, failure in
                    if let failure { onFailure(failure) }
                    onPhoto(done, names.count)
                }
            }
        }
        if let fatal = state.fatal { throw fatal }

        var made: [PhotoViews] = [], madePaths: [String] = [], failures: [SynthMeta.Failure] = []
        for (index, outcome) in state.outcomes.enumerated() {
            switch outcome {
            case .made(let views)?:
                made.append(views)
                madePaths.append(paths[index])
            case .failed(let failure)?: failures.append(failure)
            case .fatal, nil: break
            }
        }
        guard !made.isEmpty else { throw SynthError.allPhotosFailed(count: names.count) }
        let set = SynthIndex(photos: made, photoPaths: madePaths, settings: settings)
        try set.write(to: out, failures: failures, photosArgument: photos, version: version)
        return Summary(photos: made.count, images: set.viewPaths.count, pairs: set.pairs.count,
                       positivePairs: set.pairs.filter { set.grid.overlap(count: $0.count) >= ViewDistribution.groundTruthOverlap }.count,
                       zeroPairs: set.pairs.filter { $0.count == 0 }.count, failures: failures)
    }

    /// The message of a per-photo error without the path (which `failed.txt` has in its own column).
    static func reason(_ error: Error) -> String {
        let text = String(describing: error)
        if let image = error as? ImageIOError, text.hasPrefix(image.path + ": ") {
            return String(text.dropFirst(image.path.count + 2))
        }
        return text
    }

    enum Outcome {
        case made(PhotoViews)
        case failed(SynthMeta.Failure)
        case fatal(Error)
    }

    /// The shared state of the workers: the next photo to take and every photo's outcome.
    final class WorkState: @unchecked Sendable {
        private let lock = NSLock()
        private var nextIndex = 0
        private var done = 0
        private(set) var outcomes: [Outcome?]
        private(set) var fatal: Error?

        init(count: Int) { outcomes = [Outcome?](repeating: nil, count: count) }

        /// The next photo index, or nil when all are taken or a fatal error stopped the run.
        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard fatal == nil, nextIndex < outcomes.count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        /// Records an outcome and, still holding the lock, reports it (so reports never interleave).
        func finish(_ index: Int, _ outcome: Outcome, report: (Int, SynthMeta.Failure?) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            outcomes[index] = outcome
            done += 1
            switch outcome {
            case .fatal(let error): fatal = fatal ?? error
            case .failed(let failure): report(done, failure)
            case .made: report(done, nil)
            }
        }
    }
}

extension AtomicFileError {
    var isWrite: Bool {
        if case .cannotWrite = self { return true }
        return false
    }
}

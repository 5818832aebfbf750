import Dispatch
import Foundation
import MirrorCore
import MirrorImageIO

/// Turns a step into the network's input: the sampler's 3B images decoded, cropped, augmented
/// and normalised into one `[3B, S, S, 3]` NHWC float32 tensor (SPEC §1, §8.2–8.3).
///
/// Per image, in the seed's order: decode (`ImageDecoder`, JPEG or PNG by content, TF's IFAST
/// DCT); resize so the short side is S and cut the centred S×S window
/// (`SeedPreprocessing.centerCrop`, SPEC §1.2–1.3; an exact copy for GL3D's 224×224 images at
/// S = 224, as the seed's `set_shape((224, 224, 3))` path); augment (`TrainingAugmentation`, when
/// `augment` is on); normalise (`SeedPreprocessing.normalize` with the network's
/// `InputNormalization`: the seed mean for ResNet/GoogLeNet, `(x − 127)/128` for Lite0).
///
/// **Determinism.** The batch is the sampler's for the step, and image slot `k` is augmented
/// from `TrainingRandom(seed, step, .augmentation(slot: k, attempt:))`; nothing depends on which
/// thread loads which slot or on earlier steps, so the same step gives the same bytes on any
/// thread count and after `--resume`.
///
/// **Bad images** (missing, unreadable, undecodable). The seed stops on the first one; mirror
/// skips and reports. The failed image's whole triplet is redrawn from the same scene
/// (`TripletSampler.triplet(step:index:scene:attempt:batchScenes:)`, attempt 1, 2, …) — an
/// anchor without its own positive would teach nothing — and loaded again. The redraw is a
/// function of the step and the files, so it too is reproducible. Each bad image is reported
/// once through `onBadImage` (for the trainer's log) and remembered, so it is not decoded again;
/// each batch lists the failures it replaced. The run ends with `TrainingError.badImages`, naming
/// every bad image, when more than `maxBadImages` distinct images have failed, or when a triplet
/// still fails after `maxRedraws` redraws (a scene whose images are mostly broken).
///
/// Thread-safe: ``load(step:)`` may run on a prefetch thread while the trainer computes.
public final class TrainingBatchLoader: @unchecked Sendable {
    public let sampler: TripletSampler
    /// Side S of the square network input.
    public let imageSize: Int
    public let normalization: InputNormalization
    /// Whether the seed's random augmentation runs; off gives pure preprocessing.
    public let augment: Bool
    /// Worker threads for decoding and augmentation.
    public let threads: Int
    /// Distinct bad images tolerated before the run stops.
    public let maxBadImages: Int
    /// Redraws of one triplet tolerated in one step before the run stops. Generous (default 32)
    /// because a redraw replaces the whole triplet: in a scene where one image of three is bad,
    /// most triplets touch it. Known-bad images are not decoded again, so a redraw that hits one
    /// costs nothing.
    public let maxRedraws: Int

    private let onBadImage: (@Sendable (BadImage) -> Void)?
    private let lock = NSLock()
    private var knownBad: [Int: BadImage] = [:]
    private var badInOrder: [BadImage] = []

    /// - Parameters:
    ///   - maxBadImages: Default: 1% of the set's images, at least 10.
    ///   - onBadImage: Called once per newly found bad image, on the thread that called
    ///     ``load(step:)``, in slot order.
    public init(sampler: TripletSampler, imageSize: Int = 224, normalization: InputNormalization,
                augment: Bool = true, threads: Int = 2, maxBadImages: Int? = nil, maxRedraws: Int = 32,
                onBadImage: (@Sendable (BadImage) -> Void)? = nil) {
        precondition(imageSize > 0 && threads > 0 && maxRedraws >= 0, "invalid loader settings")
        precondition(normalization.channels == 3, "training images have 3 channels")
        self.sampler = sampler
        self.imageSize = imageSize
        self.normalization = normalization
        self.augment = augment
        self.threads = threads
        self.maxBadImages = maxBadImages ?? max(10, sampler.set.images.count / 100)
        self.maxRedraws = maxRedraws
        self.onBadImage = onBadImage
    }

    /// Every distinct bad image found so far, in the order found.
    public var badImages: [BadImage] {
        lock.lock()
        defer { lock.unlock() }
        return badInOrder
    }

    /// The batch of `step`: its final triplets (after any redraws) and their images.
    ///
    /// - Throws: `TrainingError.badImages` when too many images have failed (see the type).
    public func load(step: Int) throws -> LoadedBatch {
        var batch = sampler.batch(step: step)
        let count = batch.triplets.count, scenes = batch.triplets.map(\.scene)
        let imageValues = imageSize * imageSize * 3
        var pixels = [Float](repeating: 0, count: 3 * count * imageValues)
        var pending = (0 ..< 3 * count).map { Slot(slot: $0, triplet: batch.triplets[$0 % count], batchSize: count) }
        var replaced: [BadImage] = []

        while !pending.isEmpty {
            let failures = pixels.withUnsafeMutableBufferPointer { output in
                prepare(pending, step: step, into: output.baseAddress!, valuesPerImage: imageValues)
            }
            var redraw = Set<Int>()
            for (slot, failure) in zip(pending, failures) {
                guard let failure else { continue }
                replaced.append(failure)
                redraw.insert(slot.slot % count)
                try remember(failure)
            }
            pending = []
            for t in redraw.sorted() {
                let attempt = batch.triplets[t].attempt + 1
                guard attempt <= maxRedraws else {
                    throw TrainingError.badImages(
                        reason: "step \(step): \(sampler.set.scenes[scenes[t]].name) gave a triplet with an unloadable image "
                            + "\(attempt) times in a row; fix or remove its images (bad images so far):",
                        images: badImages)
                }
                let triplet = sampler.triplet(step: step, index: t, scene: scenes[t], attempt: attempt, batchScenes: scenes)
                batch.triplets[t] = triplet
                pending += [t, count + t, 2 * count + t].map { Slot(slot: $0, triplet: triplet, batchSize: count) }
            }
        }
        let images = Tensor(shape: [3 * count, imageSize, imageSize, 3], data: pixels)
        return LoadedBatch(triplets: batch, images: images, replaced: replaced)
    }

    /// One image position of the batch and what fills it.
    private struct Slot {
        let slot: Int
        let image: Int
        let attempt: Int

        init(slot: Int, triplet: Triplet, batchSize: Int) {
            self.slot = slot
            switch slot / batchSize {
            case 0: image = triplet.anchor
            case 1: image = triplet.positive
            default: image = triplet.negative
            }
            attempt = triplet.attempt
        }
    }

    /// Loads `slots` on `threads` workers into their places in `output`; the failure of each
    /// slot, or nil. Slots are split by position (worker w takes w, w + n, …), and each writes
    /// only its own region, so the result does not depend on scheduling.
    private func prepare(_ slots: [Slot], step: Int, into output: UnsafeMutablePointer<Float>,
                         valuesPerImage: Int) -> [BadImage?] {
        var failures = [BadImage?](repeating: nil, count: slots.count)
        let workers = max(1, min(threads, slots.count))
        failures.withUnsafeMutableBufferPointer { buffer in
            let failures = buffer
            let work = { (worker: Int) in
                for k in stride(from: worker, to: slots.count, by: workers) {
                    let slot = slots[k]
                    switch self.image(slot, step: step) {
                    case .image(let tensor):
                        tensor.data.withUnsafeBufferPointer { values in
                            (output + slot.slot * valuesPerImage).update(from: values.baseAddress!, count: valuesPerImage)
                        }
                    case .bad(let bad):
                        failures[k] = bad
                    }
                }
            }
            if workers == 1 {
                work(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: workers, execute: work)
            }
        }
        return failures
    }

    private enum Outcome {
        case image(Tensor)
        case bad(BadImage)
    }

    /// The network input of one slot, `[S, S, 3]` normalised, or why its image is bad.
    private func image(_ slot: Slot, step: Int) -> Outcome {
        if let known = knownFailure(slot.image) { return .bad(known) }
        let path = sampler.set.images[slot.image]
        let decoded: RGBImage
        do {
            decoded = try ImageDecoder.decode(path: path)
        } catch {
            return .bad(BadImage(index: slot.image, path: path, reason: Self.reason(error, path: path)))
        }
        var tensor = SeedPreprocessing.centerCrop(decoded, imageSize: imageSize)
        if augment {
            var random = TrainingRandom(seed: sampler.seed, step: step, stream: .augmentation(slot: slot.slot, attempt: slot.attempt))
            TrainingAugmentation.apply(AugmentationDraw(random: &random), to: &tensor)
        }
        SeedPreprocessing.normalize(&tensor, normalization)
        return .image(tensor)
    }

    private func knownFailure(_ image: Int) -> BadImage? {
        lock.lock()
        defer { lock.unlock() }
        return knownBad[image]
    }

    /// Records a failure; reports it if new; throws once too many distinct images have failed.
    private func remember(_ failure: BadImage) throws {
        lock.lock()
        let isNew = knownBad[failure.index] == nil
        if isNew {
            knownBad[failure.index] = failure
            badInOrder.append(failure)
        }
        let all = badInOrder
        lock.unlock()
        if isNew { onBadImage?(failure) }
        if all.count > maxBadImages {
            throw TrainingError.badImages(
                reason: "\(all.count) of the \(sampler.set.images.count) training images could not be loaded, "
                    + "more than the \(maxBadImages) tolerated:",
                images: all)
        }
    }

    /// The decoder's message without the path it starts with (`BadImage` keeps the path apart).
    private static func reason(_ error: Error, path: String) -> String {
        let text = String(describing: error)
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }
}

/// One step's network input and where it came from.
public struct LoadedBatch: Sendable {
    /// The triplets whose images are in `images`, after any redraws.
    public let triplets: TripletBatch
    /// `[3B, S, S, 3]` NHWC float32 in the order `[anchors; positives; negatives]`, normalised.
    public let images: Tensor
    /// The images that failed while loading this step (their triplets were redrawn).
    public let replaced: [BadImage]
}

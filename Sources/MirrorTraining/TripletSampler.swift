import MirrorCore

/// Draws the triplets of each training step (SPEC §8.2).
///
/// Per step, as the seed's `_get_one_batch`: B **distinct** scenes in random order (the seed's
/// `random.sample` over datasets), then for each scene a uniform record (its anchor), a uniform
/// positive of that record and a negative. The negative rule extends the seed's (which always
/// takes a uniform entry of the record's GL3D negatives):
/// 1. in hard-negative mode, a uniform entry of the record's `hardNegatives`, if any;
/// 2. else a uniform entry of the record's `negatives` (GL3D), if any;
/// 3. else an image of another scene: a uniform scene among those **not in this batch** (or,
///    when the batch holds every scene, any scene but the anchor's), then a uniform image of it.
///    Avoiding the batch's scenes matters for the `--with_weak` loss, which compares every
///    anchor with every negative (SPEC §8.5): a negative from another triplet's scene could
///    match that triplet's anchor.
///
/// Everything is drawn from `TrainingRandom` keyed on (seed, step): the scene choice from
/// `.sceneChoice`, triplet `i` from `.triplet(i, attempt:)`, so ``batch(step:)`` is a pure
/// function of the step and redrawing one triplet (``triplet(step:index:scene:attempt:batchScenes:)``)
/// leaves the others unchanged.
public struct TripletSampler: Sendable {
    public let set: TrainingSet
    /// The batch size asked for.
    public let requestedBatchSize: Int
    /// Triplets per batch: `requestedBatchSize` capped to the number of scenes, because each
    /// triplet needs its own scene (the seed's `random.sample` would raise instead).
    public let batchSize: Int
    /// Whether negatives come from the records' `hardNegatives` first.
    public let hardNegatives: Bool
    public let seed: UInt64

    /// - Precondition: `batchSize ≥ 1`.
    public init(set: TrainingSet, batchSize: Int, hardNegatives: Bool = false, seed: UInt64) {
        precondition(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
        self.set = set
        self.requestedBatchSize = batchSize
        self.batchSize = min(batchSize, set.scenes.count)
        self.hardNegatives = hardNegatives
        self.seed = seed
    }

    /// Whether the batch size was lowered to the number of scenes.
    public var isCapped: Bool { batchSize < requestedBatchSize }

    /// A line for the training log when the batch size was capped, nil otherwise.
    public var capMessage: String? {
        guard isCapped else { return nil }
        return "batch size \(requestedBatchSize) lowered to \(batchSize): \(set.source) has \(set.scenes.count) scenes "
            + "and every triplet of a batch needs its own"
    }

    /// The triplets of `step`, in the order the network sees them.
    public func batch(step: Int) -> TripletBatch {
        var random = TrainingRandom(seed: seed, step: step, stream: .sceneChoice)
        // Partial Fisher–Yates: the first B entries become a uniform ordered sample.
        var order = Array(set.scenes.indices)
        for i in 0 ..< batchSize {
            order.swapAt(i, i + random.index(below: order.count - i))
        }
        let scenes = Array(order[..<batchSize])
        let triplets = scenes.enumerated().map { i, scene in
            triplet(step: step, index: i, scene: scene, attempt: 0, batchScenes: scenes)
        }
        return TripletBatch(step: step, triplets: triplets)
    }

    /// Triplet `index` of `step`, drawn from `scene`; `attempt` 0 is the one ``batch(step:)``
    /// returns, later attempts are independent redraws from the same scene (used when an image
    /// of the triplet cannot be loaded).
    ///
    /// - Parameter batchScenes: The scenes of the whole batch, avoided for other-scene negatives.
    public func triplet(step: Int, index: Int, scene: Int, attempt: Int, batchScenes: [Int]) -> Triplet {
        var random = TrainingRandom(seed: seed, step: step, stream: .triplet(index, attempt: attempt))
        let records = set.scenes[scene].records
        let record = records[random.index(below: records.count)]
        let positive = record.positives[random.index(below: record.positives.count)]
        let negative: Int, source: Triplet.NegativeSource
        if hardNegatives && !record.hardNegatives.isEmpty {
            (negative, source) = (record.hardNegatives[random.index(below: record.hardNegatives.count)], .hard)
        } else if !record.negatives.isEmpty {
            (negative, source) = (record.negatives[random.index(below: record.negatives.count)], .listed)
        } else {
            var others = set.scenes.indices.filter { !batchScenes.contains($0) }
            if others.isEmpty { others = set.scenes.indices.filter { $0 != scene } }
            let images = set.scenes[others[random.index(below: others.count)]].images
            (negative, source) = (images[random.index(below: images.count)], .otherScene)
        }
        return Triplet(scene: scene, anchor: record.anchor, positive: positive, negative: negative,
                       negativeSource: source, attempt: attempt)
    }
}

/// One anchor–positive–negative triplet, as indices into `TrainingSet.images`.
public struct Triplet: Equatable, Sendable {
    /// Where the negative came from (see `TripletSampler`).
    public enum NegativeSource: Equatable, Sendable {
        case hard, listed, otherScene
    }

    /// Index of the scene in `TrainingSet.scenes`.
    public let scene: Int
    public let anchor: Int
    public let positive: Int
    public let negative: Int
    public let negativeSource: NegativeSource
    /// 0 for the first draw, higher for redraws after a failed image.
    public let attempt: Int
}

/// The B triplets of one step.
public struct TripletBatch: Equatable, Sendable {
    public let step: Int
    public var triplets: [Triplet]

    public init(step: Int, triplets: [Triplet]) {
        self.step = step
        self.triplets = triplets
    }

    public var anchors: [Int] { triplets.map(\.anchor) }
    public var positives: [Int] { triplets.map(\.positive) }
    public var negatives: [Int] { triplets.map(\.negative) }
    /// The 3B image indices in network order `[anchors; positives; negatives]` (SPEC §8.2): slot
    /// `k < B` is anchor `k`, `B + k` positive `k`, `2B + k` negative `k`.
    public var imageIndices: [Int] { anchors + positives + negatives }
}

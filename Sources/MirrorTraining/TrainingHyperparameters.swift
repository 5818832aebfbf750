import Foundation

/// Everything that shapes a run's trajectory: two runs with equal hyper-parameters, the same
/// initial weights, data, engine and thread count produce byte-identical weights. Stored in every
/// snapshot's state file, so `--resume` can refuse a snapshot made with other settings instead
/// of silently continuing a different run.
public struct TrainingHyperparameters: Codable, Equatable, Sendable {
    /// Triplets per step (B; the network sees 3B images).
    public var batchSize: Int
    /// Side of the square training images (the seed: 224).
    public var imageSize: Int
    public var loss: TripletLossKind
    public var withWeak: Bool
    public var withHard: Bool
    public var optimizer: OptimizerKind
    public var baseLearningRate: Double
    public var gamma: Double
    public var stepValue: Int
    /// Momentum of `MomentumSGD` (the seed: 0.9); unused by Adam.
    public var momentum: Double
    public var weightDecay: Double
    /// Seed of the sampler's and augmentation's random streams (`TrainingRandom`).
    public var seed: UInt64
    public var augment: Bool
    /// The first trained top-level layer (`--trainable-from`); nil trains every layer (the seed).
    public var trainableFrom: String?
    /// L2-normalise pooled features before the loss (`--feature-norm`, the seed's
    /// `feature_reduce(norm=True)`; `FeatureNormalization`); nil or false is the seed's `norm=False`.
    /// Optional so that state files written before it existed still decode.
    public var featureNorm: Bool?

    public init(batchSize: Int, imageSize: Int = 224, loss: TripletLossKind = .softmin, withWeak: Bool = false,
                withHard: Bool = false, optimizer: OptimizerKind = .momentum, baseLearningRate: Double = 0.002,
                gamma: Double = 0.9, stepValue: Int = 10_000, momentum: Double = 0.9, weightDecay: Double = 1e-4,
                seed: UInt64 = 0, augment: Bool = true, trainableFrom: String? = nil, featureNorm: Bool? = nil) {
        self.batchSize = batchSize
        self.imageSize = imageSize
        self.loss = loss
        self.withWeak = withWeak
        self.withHard = withHard
        self.optimizer = optimizer
        self.baseLearningRate = baseLearningRate
        self.gamma = gamma
        self.stepValue = stepValue
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.seed = seed
        self.augment = augment
        self.trainableFrom = trainableFrom
        self.featureNorm = featureNorm
    }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(baseLearningRate: baseLearningRate, gamma: gamma, stepValue: stepValue)
    }

    /// The fields that differ from `other`, as `name: mine ≠ theirs` (empty when equal).
    public func differences(from other: TrainingHyperparameters) -> [String] {
        let mine = Self.fields(self), theirs = Self.fields(other)
        return mine.keys.sorted().compactMap { key in
            mine[key] == theirs[key] ? nil : "\(key): \(mine[key] ?? "–") ≠ \(theirs[key] ?? "–")"
        }
    }

    private static func fields(_ value: TrainingHyperparameters) -> [String: String] {
        guard let data = try? JSONEncoder().encode(value),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { "\($0)" }
    }
}

/// `--optimizer`: the seed's momentum SGD, or Adam.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case momentum
    case adam
}

extension TripletLossKind: Codable {}

import Foundation
import MirrorCore
import MirrorModels

/// What one step measured: the seed's display lines (each term's loss and accuracy per stage),
/// the objective, the learning rate and the time.
public struct StepReport: Sendable {
    public struct Term: Sendable {
        public let stage: String
        /// `easy`, `weak` or `hard` (the seed's EASY/WEAK/HARD lines).
        public let term: String
        /// Weighted by the stage weight, as the seed sums it.
        public let loss: Double
        public let accuracy: Double
    }

    /// 0-based index of the step; the weights after it are snapshot `step + 1`.
    public let step: Int
    public let terms: [Term]
    /// Σ of the terms.
    public let dataLoss: Double
    /// `wd · Σ‖w‖²/2` over the trainable variables, before the update.
    public let weightDecayLoss: Double
    public let learningRate: Double
    public let seconds: Double
    /// Where `seconds` went: forward pass, losses, backward pass, solver update.
    public let phases: Phases
    public let images: Int

    public struct Phases: Sendable {
        public var forward = 0.0, loss = 0.0, backward = 0.0, update = 0.0
        public init() {}
    }

    public var totalLoss: Double { dataLoss + weightDecayLoss }
}

/// One training step on a prepared batch: forward, the loss of every stage, backward, and the
/// solver update of the network's parameters (SPEC §8.4–8.6).
///
/// The optimizer sees the parameters in `trainableNames` order; its state (step count, momentum
/// or Adam slots) is what a snapshot stores besides the weights.
public final class TrainingStep {
    public let network: TrainableNetwork
    public let hyperparameters: TrainingHyperparameters
    public let backend: any ComputeBackend
    public private(set) var optimizer: any Optimizer
    private let stageWeights: [Double]

    public init(network: TrainableNetwork, hyperparameters: TrainingHyperparameters, backend: any ComputeBackend) {
        self.network = network
        self.hyperparameters = hyperparameters
        self.backend = backend
        stageWeights = StageWeights.lossWeights(stageCount: network.stages.count)
        let parameters = StageWeights.solverParameters(
            network.trainableNames.map { ($0, network.parameters[$0]!.count) },
            stageLayers: network.stages.map(\.name))
        let decay = WeightDecay(rate: Float(hyperparameters.weightDecay))
        switch hyperparameters.optimizer {
        case .momentum:
            optimizer = MomentumSGD(parameters: parameters, momentum: Float(hyperparameters.momentum), weightDecay: decay)
        case .adam:
            optimizer = Adam(parameters: parameters, weightDecay: decay)
        }
    }

    /// Continues from a snapshot's optimizer state.
    ///
    /// - Throws: `TrainingError.incompatibleSnapshot` when the state belongs to another optimizer
    ///   or other parameters; the optimizer is then unchanged.
    public func restore(_ state: OptimizerState, source: String) throws {
        try optimizer.restore(state, source: source)
    }

    /// The objective's data terms on `images` and their gradients with respect to every trainable
    /// parameter, without updating anything (what `run` does before the solver step).
    public func gradients(images: Tensor, phases: inout StepReport.Phases)
        -> (terms: [StepReport.Term], dataLoss: Double, gradients: [String: Tensor]) {
        var mark = Date()
        func lap(_ phase: WritableKeyPath<StepReport.Phases, Double>) {
            let now = Date()
            phases[keyPath: phase] = now.timeIntervalSince(mark)
            mark = now
        }
        let pass = network.forward(images, backend: backend)
        lap(\.forward)
        var terms: [StepReport.Term] = []
        var mapGradients: [Tensor] = []
        var dataLoss = 0.0
        for (index, stage) in network.stages.enumerated() {
            let options = TripletLossOptions(withWeak: hyperparameters.withWeak, withHard: hyperparameters.withHard,
                                             stageWeight: stageWeights[index])
            let (result, gradient) = StageLoss.evaluate(map: pass.stageMaps[index], loss: hyperparameters.loss,
                                                        options: options, normalize: hyperparameters.featureNorm ?? false,
                                                        backend: backend)
            for (name, value) in result.terms {
                terms.append(.init(stage: stage.name, term: name, loss: value.loss, accuracy: value.accuracy))
            }
            dataLoss += result.loss
            mapGradients.append(gradient)
        }
        lap(\.loss)
        let gradients = network.backward(pass, stageGradients: mapGradients, backend: backend)
        lap(\.backward)
        return (terms, dataLoss, gradients)
    }

    /// Runs step `step` on `images` (`[3B, S, S, 3]`, normalised, rows anchors, positives,
    /// negatives) and updates the parameters.
    ///
    /// - Throws: `TrainingError.nonFiniteLoss` when the loss or a gradient is NaN or infinite;
    ///   the parameters are then left as they were.
    public func run(step: Int, images: Tensor) throws -> StepReport {
        let start = Date()
        var phases = StepReport.Phases()
        let (terms, dataLoss, gradients) = self.gradients(images: images, phases: &phases)
        guard dataLoss.isFinite else { throw TrainingError.nonFiniteLoss(step: step, what: "the loss is \(dataLoss)") }
        let mark = Date()
        let names = network.trainableNames
        var values = names.map { network.parameters[$0]! }
        let ordered = names.map { gradients[$0]! }
        if let bad = zip(names, ordered).first(where: { !$0.1.data.allSatisfy(\.isFinite) }) {
            throw TrainingError.nonFiniteLoss(step: step, what: "the gradient of \(bad.0) is not finite")
        }
        let decayLoss = optimizer.weightDecay.loss(of: values)
        let rate = hyperparameters.schedule.learningRate(atStep: step)
        optimizer.apply(gradients: ordered, to: &values, learningRate: rate)
        for (name, value) in zip(names, values) { network.setParameter(name, value) }
        phases.update = Date().timeIntervalSince(mark)
        return StepReport(step: step, terms: terms, dataLoss: dataLoss, weightDecayLoss: decayLoss, learningRate: rate,
                          seconds: Date().timeIntervalSince(start), phases: phases, images: images.shape[0])
    }
}

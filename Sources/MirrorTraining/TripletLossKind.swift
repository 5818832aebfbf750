import MirrorCore

/// The loss `mirror train --loss` optimises: the seed's softmin loss (its default) or its
/// unused hinge alternative.
public enum TripletLossKind: String, CaseIterable, Sendable {
    case softmin
    case hinge

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .softmin: return "structured softmin on Euclidean distances (the seed's loss)"
        case .hinge: return "structured hinge, margin 0.5, on squared distances of L2-normalised features"
        }
    }

    /// The stage's loss terms and gradients under this loss (`SoftminLoss` / `HingeLoss`).
    public func evaluate(anchors: Tensor, positives: Tensor, negatives: Tensor,
                         options: TripletLossOptions) -> TripletLossResult {
        switch self {
        case .softmin:
            return SoftminLoss.evaluate(anchors: anchors, positives: positives, negatives: negatives, options: options)
        case .hinge:
            return HingeLoss.evaluate(anchors: anchors, positives: positives, negatives: negatives, options: options)
        }
    }
}

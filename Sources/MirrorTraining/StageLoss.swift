import MirrorCore

/// The loss of one stage on its feature map and the gradient that goes back into the map
/// (SPEC §8.4): `feature_reduce(norm=False)` global-max-pools the `[3B, h, w, C]` map to `[3B, C]`,
/// rows `[anchors; positives; negatives]`; the triplet loss scores the three `[B, C]` blocks; its
/// gradient flows back through the max-pool to the first maximum of each plane. With `normalize`,
/// the pooled rows are L2-normalised first (`feature_reduce(norm=True)`, `FeatureNormalization`).
enum StageLoss {
    static func evaluate(map: Tensor, loss: TripletLossKind, options: TripletLossOptions, normalize: Bool = false,
                         backend: any ComputeBackend) -> (result: TripletLossResult, mapGradient: Tensor) {
        precondition(map.rank == 4 && map.shape[0] % 3 == 0 && map.shape[0] >= 6,
                     "a stage map holds [anchors; positives; negatives] of at least 2 triplets, got \(map.shape)")
        let raw = backend.globalMaxPool(map)
        let (pooled, norms) = normalize ? FeatureNormalization.forward(raw) : (raw, [])
        let b = map.shape[0] / 3, c = map.shape[3]
        func block(_ index: Int) -> Tensor {
            Tensor(shape: [b, c], data: Array(pooled.data[(index * b * c)..<((index + 1) * b * c)]))
        }
        let result = loss.evaluate(anchors: block(0), positives: block(1), negatives: block(2), options: options)
        let pooledGradient = normalize
            ? FeatureNormalization.backward(result.stackedGradient, normalized: pooled, norms: norms) : result.stackedGradient
        return (result, backend.globalMaxPoolBackward(pooledGradient, input: map))
    }
}

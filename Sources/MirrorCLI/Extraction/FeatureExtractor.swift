import MirrorCore
import MirrorImageIO
import MirrorModels
import MirrorRetrieval

/// One image → the seed's regional feature matrix `[D, R]` (retrieval/model.py `inference` +
/// `_rmac` + `multi_scale_feature`): decode, the seed's crop/resize, the network's normalisation,
/// the scale pyramid (optional), the network, and regional pooling on the R-MAC grid of each
/// scale, scales appended in order (SPEC §1.5, §3).
struct FeatureExtractor {
    struct Configuration {
        var imageSize: Int
        /// The steps as given; `effectiveSteps` applies the seed's 224 rule.
        var steps: [Int]
        var multiScale: Bool
        var pool: RegionalPoolingMode
        var dct: DCTMethod = .fast

        var effectiveSteps: [Int] { RMACGrid.effectiveSteps(steps, imageSize: imageSize) }

        /// Input sizes of the scales the network sees: S, then S/2 and S/4 when multi-scale.
        var scaleSizes: [Int] {
            guard multiScale, let count = SeedPreprocessing.multiScaleCount(imageSize: imageSize) else { return [imageSize] }
            return (0..<count).map { $0 == 0 ? imageSize : imageSize / ($0 * 2) }
        }
    }

    let network: FeatureNetwork
    let backend: any ComputeBackend
    let configuration: Configuration

    /// `[D, R]` every image produces; nil if the input size is too small for the network.
    var outputShape: [Int]? {
        var regions = 0
        for size in configuration.scaleSizes {
            guard let map = network.architecture.featureMapSize(inputSize: size) else { return nil }
            regions += RMACGrid.regions(height: map, width: map, steps: configuration.effectiveSteps).count
        }
        return [network.architecture.featureChannels, regions]
    }

    /// Decode and preprocess (runs on the prefetch thread): the normalised input of every scale.
    func prepare(_ path: String) throws -> [Tensor] {
        try prepare(ImageDecoder.decode(path: path, dct: configuration.dct))
    }

    func prepare(_ image: RGBImage) -> [Tensor] {
        var input = SeedPreprocessing.centerCrop(image, imageSize: configuration.imageSize)
        SeedPreprocessing.normalize(&input, network.normalization)
        return scales(ofNormalized: input)
    }

    /// The network inputs `[1, s, s, 3]` of every scale, from an input already cropped to `S×S`
    /// and normalised (`[S, S, 3]` or `[1, S, S, 3]`): itself, then its decimations when
    /// multi-scale. `prepare` ends here; the parity tests enter here with the synthetic input
    /// of `Fixtures/networks/`, which stands in for a normalised image.
    func scales(ofNormalized input: Tensor) -> [Tensor] {
        let image = input.rank == 4 ? input.reshaped(Array(input.shape.dropFirst())) : input
        precondition(image.shape == [configuration.imageSize, configuration.imageSize, 3],
                     "normalised input must be \(configuration.imageSize)×\(configuration.imageSize)×3, got \(input.shape)")
        let scales = configuration.multiScale
            ? SeedPreprocessing.multiScaleInputs(image, imageSize: configuration.imageSize) : [image]
        return scales.map { $0.reshaped([1] + $0.shape) }
    }

    /// The network and the regional pooling of each scale, concatenated along regions.
    func compute(_ scales: [Tensor]) -> Tensor {
        let maps = scales.map { network.features($0, backend: backend) }
        let steps = configuration.effectiveSteps
        let grids = maps.map { RMACGrid.regions(height: $0.shape[1], width: $0.shape[2], steps: steps) }
        let channels = network.architecture.featureChannels
        let total = grids.map(\.count).reduce(0, +)
        var out = [Float](repeating: 0, count: channels * total)
        var offset = 0
        out.withUnsafeMutableBufferPointer { output in
            for (map, regions) in zip(maps, grids) {
                map.data.withUnsafeBufferPointer { input in
                    RegionalPooling.pool(input, height: map.shape[1], width: map.shape[2], channels: channels,
                                         regions: regions, mode: configuration.pool, into: output,
                                         totalRegions: total, offset: offset)
                }
                offset += regions.count
            }
        }
        return Tensor(shape: [channels, total], data: out)
    }
}

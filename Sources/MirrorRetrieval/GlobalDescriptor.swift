/// One vector per image for the first stage of the two-stage search (`ShortlistSearch`): cheap
/// enough to compare every query with every database image, close enough to PR-MAC that the
/// images PR-MAC ranks first are among the best few hundred by it.
///
/// Both kinds are built from the whitened region rows the index already stores, so they need no
/// second extraction and follow the index's PCA.
public enum GlobalDescriptor: String, CaseIterable, Sendable {
    /// R-MAC (Tolias et al. 2016): the L2-normalised sum of the image's whitened regions.
    case regionSum = "rmac"
    /// The scale-1 region (row 0 of the seed's grid, the whole feature map: MAC), normalised.
    case wholeImage = "mac"

    /// `[rows / regions, dims]` float32 unit vectors, one per image of `vectors`.
    public func compute(_ vectors: RegionVectors, regions: Int) -> [Float] {
        let dims = vectors.dims, images = vectors.rows / regions
        var output = [Float](repeating: 0, count: images * dims)
        var rows = [Float](repeating: 0, count: regions * dims)
        vectors.withRows { reader in
            output.withUnsafeMutableBufferPointer { out in
                rows.withUnsafeMutableBufferPointer { buffer in
                    for image in 0..<images {
                        let target = out.baseAddress! + image * dims
                        switch self {
                        case .regionSum:
                            reader.copy(rows: image * regions, count: regions, to: buffer.baseAddress!)
                            // Sequential over regions, region 0 first: the same float32 sum on every machine.
                            for region in 0..<regions {
                                for j in 0..<dims { target[j] += buffer[region * dims + j] }
                            }
                        case .wholeImage:
                            reader.copy(rows: image * regions, count: 1, to: target)
                        }
                        L2Normalization.normalize(UnsafeMutableBufferPointer(start: target, count: dims))
                    }
                }
            }
        }
        return output
    }
}

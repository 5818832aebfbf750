/// One rectangle of feature-map cells pooled by `ComputeBackend.regionalMaxPool` (R-MAC).
///
/// The same rectangle as MirrorRetrieval's `RMACGrid.Region` (top-left cell, extent in cells):
/// a separate type because MirrorCore, where the engines live, cannot see the retrieval module;
/// the training code converts one into the other field by field.
public struct PoolingRegion: Hashable, Sendable, CustomStringConvertible {
    /// First row and column of the rectangle.
    public let top: Int
    public let left: Int
    /// Rows and columns it covers (both ≥ 1).
    public let height: Int
    public let width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        precondition(top >= 0 && left >= 0 && height > 0 && width > 0,
                     "pooling region needs a non-negative origin and a positive extent, got \(top),\(left) \(height)×\(width)")
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }

    /// The whole `height×width` map: global max-pooling is regional pooling over this one region.
    public static func whole(height: Int, width: Int) -> PoolingRegion {
        PoolingRegion(top: 0, left: 0, height: height, width: width)
    }

    /// Precondition (programmer error otherwise): the rectangle lies inside a `height×width` map.
    public func checkFits(height mapHeight: Int, width mapWidth: Int) {
        precondition(top + height <= mapHeight && left + width <= mapWidth,
                     "region \(self) exceeds the \(mapHeight)×\(mapWidth) feature map")
    }

    public var description: String { "(\(top),\(left) \(height)×\(width))" }
}

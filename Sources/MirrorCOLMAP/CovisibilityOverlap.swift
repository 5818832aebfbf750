/// How much two images of a COLMAP model overlap, from the 3-D points they both observe.
///
/// GL3D's overlap (the seed's training signal) is the fraction of each image's area that the
/// other image's view of the reconstructed *surface* covers, the smaller of the two directions.
/// A sparse model has no surface, only observed points, so the area is measured on a grid: each
/// image is cut into `grid × grid` cells, and
///
///     o(a → b) = |cells of a holding an observation of a point that b also observes|
///              / |cells of a holding an observation of any 3-D point|
///     overlap(a, b) = min(o(a → b), o(b → a))
///
/// Why this measure, rather than shared points ÷ min(points of a, points of b): point density
/// follows texture, not area, so a point count lets one richly textured shared corner outweigh a
/// large plain shared wall; cells count area. Dividing by the cells that hold *any* point rather
/// than all cells leaves out sky and textureless regions that the reconstruction never sees, so
/// two identical views overlap 1 whatever their sky. The minimum of both directions follows
/// GL3D: a close-up inside a wide shot covers all of the close-up but little of the wide shot,
/// and such a pair is hard to match. With the 16 × 16 grid (the default) one cell is 1/256 of the
/// image: fine enough to resolve GL3D's 0.1 … 0.5 range, coarse enough that a few hundred points
/// per image fill the cells they cover. On the committed fixture (homography views of photos,
/// where the exact overlap is known) the measure tracks the exact overlap; see
/// `Fixtures/colmap/README.md`.
///
/// A cell is `(⌊x·G/W⌋, ⌊y·G/H⌋)` in COLMAP's pixel convention (the image spans [0, W] × [0, H]),
/// clamped into the grid. A point observed twice in one image counts once toward `sharedPoints`;
/// both observations mark their cells.
public struct CovisibilityOverlap: Equatable, Sendable {
    /// Positions in the image order the pairs were computed for (`first < second`).
    public let first: Int
    public let second: Int
    /// 3-D points observed in both images.
    public let sharedPoints: Int
    /// Cells of the first image holding a shared point's observation, and cells holding any point's.
    public let firstSharedCells: Int, firstCoveredCells: Int
    public let secondSharedCells: Int, secondCoveredCells: Int

    public var forward: Double { Double(firstSharedCells) / Double(firstCoveredCells) }
    public var backward: Double { Double(secondSharedCells) / Double(secondCoveredCells) }
    public var overlap: Double { min(forward, backward) }
}

extension COLMAPModel {
    /// The images in bytewise name order (the order `mirror overlaps` lists them in): positions
    /// into `images`.
    public var imagesByName: [Int] {
        images.indices.sorted { images[$0].name.utf8.lexicographicallyPrecedes(images[$1].name.utf8) }
    }

    /// Calls `body` for every pair of images in `order` that observe at least one common 3-D point,
    /// sorted by (first, second) position in `order`, with `first < second`.
    ///
    /// Memory: one pass per image over its keypoints and their points' tracks; besides the model,
    /// only the current image's neighbours are held (two `grid²`-bit cell sets and a count each),
    /// never a table of all pairs. Time is Σ over points of track length², as any co-visibility count.
    public func forEachCovisiblePair(order: [Int], grid: Int = 16, _ body: (CovisibilityOverlap) throws -> Void) rethrows {
        precondition(grid > 0 && grid <= 256, "grid must be in 1…256")
        let words = (grid * grid + 63) / 64
        var position = [Int](repeating: -1, count: images.count)
        for (rank, index) in order.enumerated() { position[index] = rank }

        // Each image's size, looked up once rather than per observation.
        let extents = images.map { (width: cameras[$0.cameraID]!.width, height: cameras[$0.cameraID]!.height) }
        func cell(_ keypoint: COLMAPImage.Keypoint, ofImage index: Int) -> Int {
            func clampIndex(_ value: Double, _ extent: Int) -> Int {
                let scaled = (value * Double(grid) / Double(extent)).rounded(.down)
                return scaled.isFinite ? min(grid - 1, max(0, Int(scaled))) : 0
            }
            return clampIndex(keypoint.y, extents[index].height) * grid + clampIndex(keypoint.x, extents[index].width)
        }
        let covered: [Int] = images.indices.map { index in
            var bits = [UInt64](repeating: 0, count: words)
            for keypoint in images[index].keypoints where keypoint.observesPoint {
                let c = cell(keypoint, ofImage: index)
                bits[c >> 6] |= 1 << UInt64(c & 63)
            }
            return bits.reduce(0) { $0 + $1.nonzeroBitCount }
        }

        // Per neighbour slot: shared-point count, the point counted last, then cells in a and in b
        // (`words` each). `pointStamp[p] == a` once a's first observation of p was handled, so a
        // point observed twice in a counts once; `lastPoint` does the same for a point whose track
        // names b twice (a track is walked whole before the next point).
        var slotOf = [Int](repeating: -1, count: images.count)
        var pointStamp = [Int](repeating: -1, count: points.count)
        var neighbours: [Int] = []
        var shared: [Int] = [], lastPoint: [Int] = [], cells: [UInt64] = []
        for a in order {
            let image = images[a], rankA = position[a]
            for keypoint in image.keypoints where keypoint.observesPoint {
                let p = pointIndex(id: keypoint.point3DID)!
                let firstObservation = pointStamp[p] != a
                pointStamp[p] = a
                let cellA = cell(keypoint, ofImage: a)
                for observation in points[p].track {
                    let b = imageIndex(id: observation.imageID)!
                    guard position[b] > rankA else { continue }
                    var slot = slotOf[b]
                    if slot < 0 {
                        slot = neighbours.count
                        slotOf[b] = slot
                        neighbours.append(b)
                        shared.append(0)
                        lastPoint.append(-1)
                        cells.append(contentsOf: repeatElement(0, count: 2 * words))
                    }
                    if firstObservation && lastPoint[slot] != p {
                        lastPoint[slot] = p
                        shared[slot] += 1
                    }
                    cells[slot * 2 * words + cellA >> 6] |= 1 << UInt64(cellA & 63)
                    let cellB = cell(images[b].keypoints[Int(observation.keypointIndex)], ofImage: b)
                    cells[slot * 2 * words + words + cellB >> 6] |= 1 << UInt64(cellB & 63)
                }
            }
            let sorted = neighbours.indices.sorted { position[neighbours[$0]] < position[neighbours[$1]] }
            for slot in sorted {
                let b = neighbours[slot]
                let base = slot * 2 * words
                let inA = cells[base..<base + words].reduce(0) { $0 + $1.nonzeroBitCount }
                let inB = cells[base + words..<base + 2 * words].reduce(0) { $0 + $1.nonzeroBitCount }
                try body(CovisibilityOverlap(first: rankA, second: position[b], sharedPoints: shared[slot],
                                             firstSharedCells: inA, firstCoveredCells: covered[a],
                                             secondSharedCells: inB, secondCoveredCells: covered[b]))
            }
            for b in neighbours { slotOf[b] = -1 }
            neighbours.removeAll(keepingCapacity: true)
            shared.removeAll(keepingCapacity: true)
            lastPoint.removeAll(keepingCapacity: true)
            cells.removeAll(keepingCapacity: true)
        }
    }
}

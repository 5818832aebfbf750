/// Groups images into scenes: the connected components of the graph whose edges are the
/// overlapping pairs (union–find with path halving and union by size, near-linear in the pairs).
struct SceneComponents {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0 ..< count)
        size = [Int](repeating: 1, count: count)
    }

    /// The representative of `image`'s component.
    mutating func root(_ image: Int) -> Int {
        var x = image
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    /// Puts `a` and `b` in one component.
    mutating func join(_ a: Int, _ b: Int) {
        var ra = root(a), rb = root(b)
        guard ra != rb else { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
    }

    /// The components with at least two images, each ascending, ordered by their smallest image.
    mutating func groups() -> [[Int]] {
        var members: [Int: [Int]] = [:]
        for image in parent.indices { members[root(image), default: []].append(image) }
        return members.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}

/// When `query`, `pairs` and `eval` use the two-stage search unless told (`--shortlist auto`).
///
/// Exhaustive PR-MAC grows with N²: 145 s for 9,368 images on 2 cores, hours at 10⁵. The
/// shortlist costs about the same per query at any N (its stage 1 is a small `2·N·D` per query).
/// Up to `exhaustiveUpTo` images exhaustive takes minutes at most and is what the paper measured,
/// so it stays; beyond, the shortlist of `defaultSize` turns on. Both numbers come from
/// `mirror bench --task retrieval` and the held-out mAP@10 in Docs/BENCHMARKS.md ("Two-stage search").
public enum ShortlistPolicy {
    public static let exhaustiveUpTo = 10_000
    public static let defaultSize = 100

    /// The shortlist to use: `requested` (0 = exhaustive), or with `nil` ("auto") the default
    /// size above `exhaustiveUpTo` images and exhaustive below.
    public static func resolve(_ requested: Int?, databaseImages: Int) -> Int {
        if let requested { return requested }
        return databaseImages > exhaustiveUpTo ? defaultSize : 0
    }
}

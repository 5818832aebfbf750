/// A contiguous part of a run's queries, for a cluster job (`mirror query --shard K/N`, joined by
/// `mirror merge`).
///
/// Why parts are whole query blocks: sgemm's last bits depend on the shape of the product a row
/// takes part in and on its orientation (`i·j` against `j·i`: about 1e-8 on a score), and the
/// self-matching run reduces each block pair's tile both ways. So a part does not rank "its"
/// queries afresh: it runs exactly the products of the whole run that its queries need (same
/// blocks, same shapes, same BLAS threading) and keeps their rows and columns. The parts' results
/// are the whole run's bit for bit, and their joined `match_pairs` and pair lists are its bytes
/// (`QueryShardTests`). The price is that a self-matching part also multiplies the earlier
/// blocks' tiles whose columns are its queries, which the whole run shares between two rows.
public struct QueryPart: Sendable, Equatable {
    /// Positions of this part's queries among all `total` queries of the run.
    public let range: Range<Int>
    public let total: Int

    public init(range: Range<Int>, total: Int) {
        precondition(range.lowerBound >= 0 && range.upperBound <= total, "part \(range) outside \(total) queries")
        self.range = range
        self.total = total
    }
}

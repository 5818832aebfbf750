import Foundation

/// A plain Double transcription of SPEC §8.5 and of the seed's `hinge_loss_layer`, written
/// from the formulas with full B×B matrices (diagonal included, then `− log 2` or set to 0, as
/// the seed does), for finite differences. Slow and obvious on purpose.
struct ReferenceTripletLoss {
    enum Kind { case softmin, hinge }

    var kind: Kind
    var withWeak: Bool
    var withHard: Bool
    var weight: Double

    /// Every argument at which the loss has a kink (clip bounds, the count threshold, the hinge
    /// corner), gathered during `loss` so a test can check its data keeps clear of them.
    struct Arguments {
        /// Off-diagonal structured arguments and hard-term arguments, before any clip/margin.
        var values: [Double] = []
        /// How many softmin arguments fall outside [−10, 10] (zero gradient there).
        var clipped = 0
        /// The hinge hard term's per-triplet penalties (its `reduce_max` has a kink at ties).
        var hardPenalties: [Double] = []
    }

    /// The stage loss (sum of the enabled weighted terms).
    func loss(_ a: [[Double]], _ p: [[Double]], _ n: [[Double]]) -> Double {
        var unused = Arguments()
        return loss(a, p, n, arguments: &unused)
    }

    func loss(_ a: [[Double]], _ p: [[Double]], _ n: [[Double]], arguments: inout Arguments) -> Double {
        switch kind {
        case .softmin: return softmin(a, p, n, &arguments)
        case .hinge: return hinge(a.map(normalized), p.map(normalized), n.map(normalized), &arguments)
        }
    }

    private func dot(_ x: [Double], _ y: [Double]) -> Double {
        var sum = 0.0
        for c in x.indices { sum += x[c] * y[c] }
        return sum
    }

    private func squaredDifference(_ x: [Double], _ y: [Double]) -> Double {
        var sum = 0.0
        for c in x.indices { sum += (x[c] - y[c]) * (x[c] - y[c]) }
        return sum
    }

    private func normalized(_ x: [Double]) -> [Double] {
        let scale = 1 / max(dot(x, x), 1e-12).squareRoot()
        return x.map { $0 * scale }
    }

    /// |x_i|² − 2 x_i·y_j + |y_j|², the expanded form.
    private func squaredDistances(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
        let yNorms = y.map { dot($0, $0) }
        return x.map { xi in
            let xNorm = dot(xi, xi)
            return y.indices.map { j in xNorm - 2 * dot(xi, y[j]) + yNorms[j] }
        }
    }

    private func softmin(_ a: [[Double]], _ p: [[Double]], _ n: [[Double]], _ arguments: inout Arguments) -> Double {
        func distances(_ y: [[Double]]) -> [[Double]] {
            squaredDistances(a, y).map { $0.map { ($0 + 1e-6).squareRoot() } }
        }
        func softplusClipped(_ x: Double) -> Double {
            if abs(x) > 10 { arguments.clipped += 1 }
            return log(exp(min(max(x, -10), 10)) + 1)
        }
        func structured(_ d: [[Double]]) -> Double {
            let b = d.count
            var columns = [Double](repeating: 0, count: b), rows = [Double](repeating: 0, count: b)
            for i in 0..<b {
                for j in 0..<b {
                    let columnArgument = d[j][j] - d[i][j], rowArgument = d[i][i] - d[i][j]
                    if i != j { arguments.values += [columnArgument, rowArgument] }
                    let omit = i == j ? log(2.0) : 0
                    columns[j] += (softplusClipped(columnArgument) - omit) / Double(b - 1)
                    rows[i] += (softplusClipped(rowArgument) - omit) / Double(b - 1)
                }
            }
            return zip(columns, rows).reduce(0) { $0 + $1.0 + $1.1 } / Double(b)
        }
        let easyDistances = distances(p)
        var total = weight * structured(easyDistances)
        if withWeak { total += weight * structured(distances(n)) }
        if withHard {
            var sum = 0.0
            for i in a.indices {
                let negative = (squaredDifference(a[i], n[i]) + 1e-6).squareRoot()
                let argument = easyDistances[i][i] - negative
                arguments.values.append(argument)
                sum += softplusClipped(argument)
            }
            total += weight * sum / Double(a.count)
        }
        return total
    }

    private func hinge(_ a: [[Double]], _ p: [[Double]], _ n: [[Double]], _ arguments: inout Arguments) -> Double {
        func structured(_ s: [[Double]]) -> Double {
            let b = s.count
            var columns = [Double](repeating: 0, count: b), rows = [Double](repeating: 0, count: b)
            for i in 0..<b {
                for j in 0..<b where i != j {  // matrix_set_diag(…, 0)
                    let columnArgument = s[j][j] - s[i][j], rowArgument = s[i][i] - s[i][j]
                    arguments.values += [columnArgument, rowArgument]
                    columns[j] += max(0.5 + columnArgument, 0) / Double(b - 1)
                    rows[i] += max(0.5 + rowArgument, 0) / Double(b - 1)
                }
            }
            return zip(columns, rows).reduce(0) { $0 + $1.0 + $1.1 } / Double(b) / 2
        }
        let easySquared = squaredDistances(a, p)
        var total = weight * structured(easySquared)
        if withWeak { total += weight * structured(squaredDistances(a, n)) }
        if withHard {
            let perTriplet = a.indices.map { i -> Double in
                let argument = easySquared[i][i] - squaredDifference(a[i], n[i])
                arguments.values.append(argument)
                return max(0.5 + argument, 0)
            }
            arguments.hardPenalties = perTriplet
            total += weight * perTriplet.max()!
        }
        return total
    }
}

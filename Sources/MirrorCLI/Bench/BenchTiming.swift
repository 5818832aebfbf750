import Foundation

/// Timing primitives for `mirror bench`: warm-up runs, then `repeats` timed runs on the monotonic
/// clock, reported as median/min/max. Benchmarks report rates and ratios measured within one run
/// (machines are noisy), never absolute pass/fail thresholds.
enum BenchTiming {
    struct Stats {
        let samples: [Double]  // seconds
        var median: Double {
            let sorted = samples.sorted()
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
        var min: Double { samples.min() ?? 0 }
        var max: Double { samples.max() ?? 0 }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body` `warmup` times untimed, then `repeats` times timed.
    static func measure(warmup: Int, repeats: Int, _ body: () throws -> Void) rethrows -> Stats {
        for _ in 0..<warmup { try body() }
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = now()
            try body()
            samples.append(Double(now() - start) / 1e9)
        }
        return Stats(samples: samples)
    }

    /// Peak resident set size of this process so far, in MiB (Linux `ru_maxrss` is in KiB).
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// Keeps computed values observable so the optimiser cannot delete the work being timed.
final class BenchSink: @unchecked Sendable {
    static let shared = BenchSink()
    private(set) var checksum: Double = 0

    func consume(_ values: [Float]) {
        guard !values.isEmpty else { return }
        checksum += Double(values[0]) + Double(values[values.count / 2]) + Double(values[values.count - 1])
    }
}

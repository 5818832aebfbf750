import Foundation

/// Progress of a long job on stderr: on a terminal a bar redrawn in place (done/total, images/s,
/// ETA); otherwise (a log file, CI) a plain line every `plainInterval` seconds and at the end, so
/// logs stay readable. Warnings go on their own line without breaking the bar.
final class ProgressReporter {
    private let console: Console
    private let label: String
    private let interactive: Bool
    private let plainInterval: Double
    /// What one `advance()` counts, for the rate: "img" (extraction) or "step" (training).
    private let unit: String
    private var total = 0
    private var done = 0
    private var processed = 0
    private var startTime = Date()
    private var lastPrint = Date.distantPast

    init(console: Console, label: String, unit: String = "img", plainInterval: Double = 10) {
        self.console = console
        self.label = label
        self.unit = unit
        self.interactive = console.stderrIsTerminal
        self.plainInterval = plainInterval
    }

    func start(total: Int, alreadyDone: Int) {
        self.total = total
        done = alreadyDone
        processed = 0
        startTime = Date()
        if alreadyDone > 0 { console.err("\(label): \(alreadyDone) of \(total) already done, skipping them") }
        draw(force: true)
    }

    func advance() {
        done += 1
        processed += 1
        draw(force: false)
    }

    func note(_ text: String) {
        if interactive { console.errRaw("\r\u{1B}[K") }
        console.err(text)
        draw(force: interactive)
    }

    func finish() {
        if interactive { console.errRaw("\r\u{1B}[K") }
        console.err(line())
    }

    private func draw(force: Bool) {
        let now = Date()
        if interactive {
            guard force || now.timeIntervalSince(lastPrint) > 0.1 else { return }
            console.errRaw("\r\u{1B}[K" + line())
        } else {
            guard force || now.timeIntervalSince(lastPrint) >= plainInterval else { return }
            console.err(line())
        }
        lastPrint = now
    }

    private func line() -> String {
        let elapsed = Date().timeIntervalSince(startTime)
        let rate = elapsed > 0 ? Double(processed) / elapsed : 0
        var text = "\(label): \(done)/\(total)"
        if interactive {
            let width = 24, filled = total > 0 ? width * done / total : width
            text = "\(label) [" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
                + "] \(done)/\(total)"
        }
        text += rate >= 1 || rate == 0 ? String(format: "  %.2f \(unit)/s", rate) : String(format: "  %.2f s/\(unit)", 1 / rate)
        if rate > 0, done < total {
            text += "  ETA " + Self.duration(Double(total - done) / rate)
        } else if done == total {
            text += "  " + Self.duration(elapsed)
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}

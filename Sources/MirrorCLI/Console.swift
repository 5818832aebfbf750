#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: results to stdout, diagnostics (`mirror: error: …`, progress) to stderr.
/// A class so that tests can capture both streams.
class Console {
    func out(_ text: String) { write(text + "\n", to: stdout) }
    func err(_ text: String) { write(text + "\n", to: stderr) }
    /// Writes to stderr without a newline (progress redraws).
    func errRaw(_ text: String) { write(text, to: stderr) }
    func warning(_ text: String) { err("mirror: warning: \(text)") }
    func error(_ text: String) { err("mirror: error: \(text)") }

    /// Whether stderr is an interactive terminal (progress bars redraw; otherwise plain lines).
    var stderrIsTerminal: Bool { isatty(2) != 0 }

    private func write(_ text: String, to stream: UnsafeMutablePointer<FILE>?) {
        fputs(text, stream)
        fflush(stream)
    }
}

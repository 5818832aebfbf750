#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Entry point of the `mirror` executable: dispatches argv to a subcommand and maps failures to
/// exit statuses (0 success, 1 runtime failure, 2 usage error).
public enum MirrorCommandLine {
    public static let version = "0.1.0"

    /// Runs `mirror` with `arguments` (argv without the program name) and exits the process.
    public static func runAndExit(arguments: [String]) -> Never {
        exit(run(arguments: arguments, console: Console()))
    }

    static func run(arguments: [String], console: Console) -> Int32 {
        guard let first = arguments.first else {
            console.err(topLevelHelp)
            return 2
        }
        switch first {
        case "-h", "--help", "help":
            if first == "help", arguments.count > 1, let command = CommandTable.find(arguments[1]) {
                console.out(command.helpText)
            } else {
                console.out(topLevelHelp)
            }
            return 0
        case "--version", "-V", "version":
            console.out("mirror \(version)")
            return 0
        default:
            break
        }
        guard let command = CommandTable.find(first) else {
            var message = first.hasPrefix("-") ? "unknown option '\(first)'" : "unknown command '\(first)'"
            if let close = EditDistance.closest(to: first.trimmingDashes, in: CommandTable.all.map(\.name)) {
                message += "; did you mean '\(close)'?"
            }
            console.error(message)
            console.err(topLevelUsage)
            return 2
        }
        do {
            let parsed = try ArgumentParser(command: command.name, options: command.options)
                .parse(Array(arguments.dropFirst()))
            if parsed.wantsHelp {
                console.out(command.helpText)
                return 0
            }
            return try command.run(parsed, console)
        } catch let usage as UsageError {
            console.error(usage.message)
            console.err(command.usageLine)
            console.err("Run 'mirror \(command.name) --help' for all options.")
            return 2
        } catch {
            console.error(String(describing: error))
            return 1
        }
    }

    static let topLevelUsage = "usage: mirror <command> [options]   (mirror --help lists the commands)"

    static var topLevelHelp: String {
        var lines = [
            "mirror \(version) — matchable image retrieval for 3D reconstruction",
            "",
            "usage: mirror <command> [options]",
            "       mirror <command> --help",
            "       mirror --version",
            "",
            "Commands:",
        ]
        let width = CommandTable.all.map(\.name.count).max() ?? 0
        for command in CommandTable.all {
            lines.append("  " + command.name.padding(to: width) + "  " + command.summary)
        }
        lines += ["", "Exit status: 0 success, 1 runtime failure, 2 usage error."]
        return lines.joined(separator: "\n")
    }
}

extension String {
    var trimmingDashes: String { String(drop(while: { $0 == "-" })) }
    func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}

/// A mistake in the command line itself. Printed as `mirror: error: …` followed by the command's
/// usage line; exit status 2 (runtime failures exit 1).
struct UsageError: Error, Equatable, CustomStringConvertible {
    let message: String
    /// The command whose usage line to print, or nil for the top level.
    var command: String?

    init(_ message: String, command: String? = nil) {
        self.message = message
        self.command = command
    }

    var description: String { message }

    static func unknownOption(_ token: String, command: String, suggestion: String?) -> UsageError {
        var text = "unknown option '\(token)' for 'mirror \(command)'"
        if let suggestion { text += "; did you mean '--\(suggestion)'?" }
        return UsageError(text, command: command)
    }

    static func missingValue(_ option: String, command: String, placeholder: String) -> UsageError {
        UsageError("option '--\(option)' needs a value (\(placeholder))", command: command)
    }

    static func invalidValue(_ option: String, _ value: String, command: String, reason: String) -> UsageError {
        UsageError("invalid value '\(value)' for '--\(option)': \(reason)", command: command)
    }

    static func missingOption(_ option: String, command: String) -> UsageError {
        UsageError("missing required option '--\(option)'", command: command)
    }
}

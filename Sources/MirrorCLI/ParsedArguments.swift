/// The options and positionals of one parsed command line, with typed, validating accessors.
/// Every accessor error names the flag and the offending value (exit status 2).
struct ParsedArguments {
    let command: String
    let options: [OptionSpec]
    var values: [String: String] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []

    init(command: String, options: [OptionSpec]) {
        self.command = command
        self.options = options
    }

    var wantsHelp: Bool { flags.contains(helpOption.name) }

    func flag(_ name: String) -> Bool {
        precondition(spec(name).kind == .flag, "--\(name) is not a switch")
        return flags.contains(name)
    }

    /// The raw value, or the spec's default, or nil.
    func string(_ name: String) -> String? {
        values[name] ?? spec(name).defaultValue
    }

    /// Whether the user wrote the option (defaults do not count).
    func isSet(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    func required(_ name: String) throws -> String {
        guard let value = string(name) else { throw UsageError.missingOption(name, command: command) }
        if value.isEmpty {
            throw UsageError.invalidValue(name, value, command: command, reason: "must not be empty")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = string(name) else { return nil }
        return try parseInt(name, text, in: range)
    }

    func double(_ name: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw UsageError.invalidValue(name, text, command: command, reason: "expected a number")
        }
        guard range.contains(value) else {
            throw UsageError.invalidValue(name, text, command: command,
                                          reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// A comma-separated list of integers such as the seed's `--rmac_step 1,3,5`.
    func intList(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> [Int]? {
        guard let text = string(name) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, !parts.contains(where: { $0.trimmingSpaces.isEmpty }) else {
            throw UsageError.invalidValue(name, text, command: command,
                                          reason: "expected a comma-separated list of integers such as 1,3,5")
        }
        return try parts.map { try parseInt(name, String($0.trimmingSpaces), in: range, whole: text) }
    }

    /// One of the spec's allowed values, matched case-insensitively and returned in its canonical spelling.
    func choice(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        let allowed = spec(name).allowedValues
        precondition(!allowed.isEmpty, "--\(name) declares no allowed values")
        if let match = allowed.first(where: { $0.lowercased() == text.lowercased() }) { return match }
        var reason = "allowed values are \(allowed.joined(separator: ", "))"
        if let close = EditDistance.closest(to: text, in: allowed) { reason += "; did you mean '\(close)'?" }
        throw UsageError.invalidValue(name, text, command: command, reason: reason)
    }

    /// Fails unless the number of positionals lies in `range`.
    func checkPositionals(_ range: ClosedRange<Int>, describing what: String) throws {
        guard range.contains(positionals.count) else {
            if positionals.count > range.upperBound {
                let extra = positionals[range.upperBound]
                throw UsageError(range.upperBound == 0
                                 ? "unexpected argument '\(extra)' ('mirror \(command)' takes no positional arguments)"
                                 : "unexpected extra argument '\(extra)'", command: command)
            }
            throw UsageError("missing \(what)", command: command)
        }
    }

    private func parseInt(_ name: String, _ text: String, in range: ClosedRange<Int>, whole: String? = nil) throws -> Int {
        guard let value = Int(text) else {
            throw UsageError.invalidValue(name, whole ?? text, command: command,
                                          reason: whole == nil ? "expected an integer" : "'\(text)' is not an integer")
        }
        guard range.contains(value) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : "between \(range.lowerBound) and \(range.upperBound)"
            throw UsageError.invalidValue(name, whole ?? text, command: command, reason: "must be \(bound)")
        }
        return value
    }

    private func spec(_ name: String) -> OptionSpec {
        guard let spec = (options + [helpOption]).first(where: { $0.name == name }) else {
            preconditionFailure("'mirror \(command)' declares no option --\(name)")
        }
        return spec
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

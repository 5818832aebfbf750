/// Hand-rolled argument parsing (the user's explicit choice: no argument-parser package).
///
/// The argv of one subcommand is tokenised once, left to right: `--name value`, `--name=value`,
/// boolean `--flag`, `-h`, `--` (everything after is positional) and positionals. Option names are
/// matched after normalising `_` to `-`, so the seed's `--img_list` is `--img-list`. A repeated
/// option keeps its last value, like the seed's `argparse`. Typed access and validation live in
/// `ParsedArguments`.
struct ArgumentParser {
    let command: String
    let options: [OptionSpec]

    func parse(_ arguments: [String]) throws -> ParsedArguments {
        var lookup: [String: OptionSpec] = [:]
        for spec in options + [helpOption] {
            for spelling in spec.spellings { lookup[spelling] = spec }
        }
        var result = ParsedArguments(command: command, options: options)
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if onlyPositionals || token == "-" || !token.hasPrefix("-") {
                result.positionals.append(token)
                continue
            }
            if token == "--" {
                onlyPositionals = true
                continue
            }
            let body = token.hasPrefix("--") ? String(token.dropFirst(2)) : String(token.dropFirst())
            let (rawName, inlineValue) = Self.splitInlineValue(body)
            guard let spec = lookup[OptionSpec.normalise(rawName)] else {
                let candidates = (options + [helpOption]).map(\.name)
                throw UsageError.unknownOption(
                    "-" + (token.hasPrefix("--") ? "-" : "") + rawName, command: command,
                    suggestion: EditDistance.closest(to: OptionSpec.normalise(rawName), in: candidates))
            }
            switch spec.kind {
            case .flag:
                if let inlineValue {
                    throw UsageError("option '--\(spec.name)' is a switch and takes no value (got '\(inlineValue)')",
                                     command: command)
                }
                result.flags.insert(spec.name)
            case .value(let placeholder):
                if let inlineValue {
                    result.values[spec.name] = inlineValue
                } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                    result.values[spec.name] = arguments[index]
                    index += 1
                } else {
                    throw UsageError.missingValue(spec.name, command: command, placeholder: placeholder)
                }
            }
        }
        return result
    }

    private static func splitInlineValue(_ body: String) -> (String, String?) {
        guard let equals = body.firstIndex(of: "=") else { return (body, nil) }
        return (String(body[..<equals]), String(body[body.index(after: equals)...]))
    }
}

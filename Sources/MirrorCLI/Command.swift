/// One `mirror` subcommand: its help text, its options, and the function that runs it.
struct Command {
    let name: String
    /// One line for the top-level command list.
    let summary: String
    /// Synopsis after `mirror <name>`, e.g. `--img-list LIST [options]`.
    let synopsis: String
    /// Paragraphs printed between the usage line and the option list.
    let discussion: String
    let options: [OptionSpec]
    /// Runs the command with validated arguments; returns the exit status (0 or 1).
    let run: (ParsedArguments, Console) throws -> Int32

    var usageLine: String { "usage: mirror \(name) \(synopsis)" }

    /// The complete `--help` page: usage, discussion, then every option with its values and default.
    var helpText: String {
        var lines = [usageLine, "", summary]
        if !discussion.isEmpty {
            lines.append("")
            for paragraph in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
                lines += paragraph.isEmpty ? [""] : wrap(String(paragraph), width: 92, indent: "")
            }
        }
        lines += ["", "Options:"]
        for spec in options + [helpOption] {
            var head = "  --\(spec.name)"
            if case .value(let placeholder) = spec.kind { head += " \(placeholder)" }
            lines.append(head)
            var detail = spec.help
            if !spec.allowedValues.isEmpty { detail += " Allowed: \(spec.allowedValues.joined(separator: ", "))." }
            if let value = spec.defaultValue { detail += " Default: \(value)." }
            let otherNames = spec.aliases.map { "--\($0)" }
            if !otherNames.isEmpty { detail += " Also: \(otherNames.joined(separator: ", "))." }
            lines += wrap(detail, width: 88, indent: "      ")
        }
        lines += ["", "Options also accept the seed's snake_case spellings (--img_list for --img-list) and --name=value."]
        return lines.joined(separator: "\n")
    }
}

/// Greedy word wrap for help text.
func wrap(_ text: String, width: Int, indent: String) -> [String] {
    var lines: [String] = []
    var current = indent
    for word in text.split(separator: " ") {
        if current.count + word.count + 1 > width, current != indent {
            lines.append(current)
            current = indent
        }
        current += (current == indent ? "" : " ") + word
    }
    if current != indent { lines.append(current) }
    return lines
}

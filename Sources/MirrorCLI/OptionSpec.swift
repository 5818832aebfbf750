/// Declares one `--option` of a subcommand: its spelling, whether it takes a value, and the help
/// text that `mirror <command> --help` prints (allowed values and default included).
///
/// Every option is accepted in kebab-case (`--img-list`) and in the seed's snake_case
/// (`--img_list`), so the seed's command lines keep working; `aliases` adds other spellings.
struct OptionSpec: Sendable {
    enum Kind: Sendable, Equatable {
        /// A boolean switch: `--multi-scale`.
        case flag
        /// Takes one value: `--img-size 896` or `--img-size=896`; `placeholder` names it in help.
        case value(placeholder: String)
    }

    /// Canonical kebab-case name without the leading dashes.
    let name: String
    let kind: Kind
    let help: String
    /// Default shown in help (nil: no default / optional).
    let defaultValue: String?
    /// Allowed values shown in help and enforced by `ParsedArguments.choice`.
    let allowedValues: [String]
    /// Extra names (kebab-case, without dashes) that mean the same option.
    let aliases: [String]

    init(_ name: String, _ kind: Kind, help: String, default defaultValue: String? = nil,
         allowed allowedValues: [String] = [], aliases: [String] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.aliases = aliases
    }

    static func flag(_ name: String, help: String, aliases: [String] = []) -> OptionSpec {
        OptionSpec(name, .flag, help: help, aliases: aliases)
    }

    static func value(_ name: String, _ placeholder: String, help: String, default defaultValue: String? = nil,
                      allowed: [String] = [], aliases: [String] = []) -> OptionSpec {
        OptionSpec(name, .value(placeholder: placeholder), help: help, default: defaultValue,
                   allowed: allowed, aliases: aliases)
    }

    /// All spellings that select this option, normalised (underscores become hyphens).
    var spellings: [String] { ([name] + aliases).map(OptionSpec.normalise) }

    /// `img_list` and `img-list` are the same option.
    static func normalise(_ name: String) -> String {
        String(name.map { $0 == "_" ? "-" : $0 })
    }
}

/// The `--help` option every command has; parsed before anything else is validated.
let helpOption = OptionSpec.flag("help", help: "Show this help and exit.", aliases: ["h"])

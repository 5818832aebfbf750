/// Every `mirror` subcommand, in the order the top-level help lists them. The table drives
/// dispatch, `mirror --help` and "did you mean" for unknown commands.
enum CommandTable {
    static let all: [Command] = [
        ExtractCommand.command,
        IndexCommand.command,
        QueryCommand.command,
        MergeCommand.command,
        PairsCommand.command,
        EvalCommand.command,
        CalibrateCommand.command,
        ShowCommand.command,
        TrainCommand.command,
        OverlapsCommand.command,
        SynthCommand.command,
        ConvertCommand.command,
        BenchCommand.command,
        PreprocessCommand.command,
        ClassifyCommand.command,
    ]

    static func find(_ name: String) -> Command? {
        all.first { $0.name == name }
    }
}

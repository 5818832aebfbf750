// The `mirror` executable: hands argv to MirrorCLI, which exits with the command's status.
import MirrorCLI

MirrorCommandLine.runAndExit(arguments: Array(CommandLine.arguments.dropFirst()))

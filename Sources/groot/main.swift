import GrootCLI

GrootMain.run(Array(CommandLine.arguments.dropFirst()))

using System.CommandLine;
using Twinforge.Cli.Commands;
using Twinforge.Cli.Commands.Twins;

namespace Twinforge.Cli;

/// <summary>The <c>twinforge</c> command tree; tests build it with their own input.</summary>
public static class TwinforgeCommands
{
    public static RootCommand CreateRoot(TextReader input) => new("Twinforge: fine-tune foundation models into digital twins of one creator.")
    {
        DemoCommand.Create(),
        DataCommand.Create(),
        PretrainCommand.Create(),
        FinetuneCommand.Create(),
        StudyCommand.Create(),
        EvalCommand.Create(),
        GenerateCommand.Create(),
        ChatCommand.Create(input),
        ExportCommand.Create(),
        WatermarkCommand.Create(),
        InspectCommand.Create(),
        TwinCommand.Create(),
        CreatorCommand.Create(),
        ServeCommand.Create(),
        WorkerCommand.Create(),
        ProvenanceCommand.Create(),
        CommonOptions.Verbose(),
    };
}

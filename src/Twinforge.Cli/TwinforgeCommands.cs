using System.CommandLine;
using Twinforge.Cli.Commands;
using Twinforge.Cli.Commands.Twins;
using Twinforge.Hub;

namespace Twinforge.Cli;

/// <summary>The <c>twinforge</c> command tree; tests build it with their own input.</summary>
public static class TwinforgeCommands
{
    /// <param name="hub">The Hub's settings; null reads them from the environment now (HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_TOKEN, HF_HUB_OFFLINE).</param>
    public static RootCommand CreateRoot(TextReader input, HubSettings? hub = null) => Commands(input, hub ?? HubSettings.FromEnvironment());

    static RootCommand Commands(TextReader input, HubSettings hub) => new("Twinforge: fine-tune foundation models into digital twins of one creator.")
    {
        DemoCommand.Create(),
        DataCommand.Create(),
        PretrainCommand.Create(),
        TokenizerCommand.Create(),
        CorpusCommand.Create(),
        VoiceCommand.Create(),
        FinetuneCommand.Create(hub),
        StudyCommand.Create(),
        EvalCommand.Create(hub),
        GenerateCommand.Create(hub),
        ChatCommand.Create(input, hub),
        ExportCommand.Create(hub),
        WatermarkCommand.Create(hub),
        InspectCommand.Create(hub),
        TwinCommand.Create(hub),
        CreatorCommand.Create(),
        ServeCommand.Create(hub),
        WorkerCommand.Create(hub),
        ModelsCommand.Create(hub),
        ProvenanceCommand.Create(),
        CommonOptions.Verbose(),
    };
}

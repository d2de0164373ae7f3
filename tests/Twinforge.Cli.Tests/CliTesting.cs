using Twinforge.Engine;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Tests;

/// <summary>Runs the CLI in-process and makes the tiny models and data its tests need.</summary>
internal static class CliTesting
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args) => RunWithInput("", args);

    public static (int ExitCode, string Output, string Error) RunWithInput(string input, params string[] args) => RunWith(input, hub: null, args);

    /// <summary>The CLI with its Hub settings given, as its host would read them from HF_* variables at start.</summary>
    public static (int ExitCode, string Output, string Error) RunWithHub(global::Twinforge.Hub.HubSettings hub, params string[] args) => RunWith("", hub, args);

    static (int ExitCode, string Output, string Error) RunWith(string input, global::Twinforge.Hub.HubSettings? hub, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = CommandRunner.Invoke(TwinforgeCommands.CreateRoot(new StringReader(input), hub), args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A byte-level Llama-style model directory with seeded random weights, in Hugging Face layout.</summary>
    public static string TinyModel(string directory)
    {
        var config = TransformerConfig.Llama(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
            intermediateSize: 64, maxPositions: 256, tieWordEmbeddings: true);
        using var model = new PretrainedModel(new CausalLanguageModel(config), new ByteLevelTokenizer());
        model.Network.InitializeWeights(seed: 3);
        model.Save(directory);
        return directory;
    }

    /// <summary>A chat JSONL file of short exchanges in one voice.</summary>
    public static string ChatData(string path, int count, int offset = 0)
    {
        var lines = Enumerable.Range(offset, count).Select(i =>
            $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"Why is thing {i} broken?\"}},{{\"role\":\"assistant\",\"content\":\"Cosmic rays, friend {i % 4}.\"}}]}}");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }
}

/// <summary>A fresh directory deleted with its contents on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("twinforge-cli-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

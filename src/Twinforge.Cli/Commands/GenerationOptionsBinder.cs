using System.CommandLine;
using Twinforge.Engine.Generation;

namespace Twinforge.Cli.Commands;

/// <summary>The decoding options shared by commands that generate text.</summary>
internal sealed class GenerationOptionsBinder
{
    readonly Option<int?> maxNewTokens = new("--max-new-tokens") { Description = "Most tokens to generate [default: the model's generation_config.json, else 128]" };
    readonly Option<double?> temperature = new("--temperature") { Description = "0 decodes greedily; above 0 samples [default: the model's generation_config.json, else 0]" };
    readonly Option<int?> topK = new("--top-k") { Description = "Sample among the k most likely tokens; 0 = off [default: generation_config.json, else 0]" };
    readonly Option<double?> topP = new("--top-p") { Description = "Nucleus sampling mass in (0, 1]; 1 = off [default: generation_config.json, else 1]" };
    readonly Option<double?> repetitionPenalty = new("--repetition-penalty") { Description = "Above 1 discourages repeated tokens [default: generation_config.json, else 1]" };
    readonly Option<long?> seed = new("--seed") { Description = "Seed for sampling, for reproducible output [default: random]" };
    readonly Option<string[]> stop = new("--stop") { Description = "Stop when the text contains this (repeatable) [default: none]", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stop })
            command.Add(option);
    }

    public GenerationOptions Bind(ParseResult result, GenerationOptions defaults) => defaults with
    {
        MaxNewTokens = result.GetValue(maxNewTokens) ?? defaults.MaxNewTokens,
        Temperature = result.GetValue(temperature) ?? defaults.Temperature,
        TopK = result.GetValue(topK) ?? defaults.TopK,
        TopP = result.GetValue(topP) ?? defaults.TopP,
        RepetitionPenalty = result.GetValue(repetitionPenalty) ?? defaults.RepetitionPenalty,
        Seed = result.GetValue(seed) ?? defaults.Seed,
        StopSequences = [.. defaults.StopSequences, .. result.GetValue(stop) ?? []],
    };
}

using System.CommandLine;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Watermarking;

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
    readonly Option<FileInfo> watermarkKey = new Option<FileInfo>("--watermark-key")
    {
        Description = "Watermark the output with this key file (δ 2, γ 0.25; 'twinforge watermark key new' makes one, 'twinforge watermark detect' finds it) [default: none]",
    }.AcceptOnlyFiles("a watermark key file", mustExist: true);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stop, watermarkKey })
            command.Add(option);
    }

    /// <summary>
    /// The options given over <paramref name="defaults"/> (the model's generation_config.json, in
    /// <paramref name="modelDirectory"/>), checked by the engine's rules: a value out of range is bad input naming the
    /// option that gave it, or the file when no option did.
    /// </summary>
    public GenerationOptions Bind(ParseResult result, GenerationOptions defaults, string modelDirectory)
    {
        var options = defaults with
        {
            MaxNewTokens = result.GetValue(maxNewTokens) ?? defaults.MaxNewTokens,
            Temperature = result.GetValue(temperature) ?? defaults.Temperature,
            TopK = result.GetValue(topK) ?? defaults.TopK,
            TopP = result.GetValue(topP) ?? defaults.TopP,
            RepetitionPenalty = result.GetValue(repetitionPenalty) ?? defaults.RepetitionPenalty,
            Seed = result.GetValue(seed) ?? defaults.Seed,
            StopSequences = [.. defaults.StopSequences, .. result.GetValue(stop) ?? []],
            Watermark = result.GetValue(watermarkKey) is { } keyFile ? new WatermarkSettings(WatermarkKeyFile.Read(keyFile.FullName)) : defaults.Watermark,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e) when (e.ParamName is { } property && OptionOf(property) is var (option, key))
        {
            var rule = ArgumentProblem.Of(e);
            if (result.GetResult(option) is { Implicit: false }) throw new BadInputException($"{option.Name}: {rule}", e);
            throw new InputFileException(Path.Combine(modelDirectory, GenerationConfig.FileName), rule, key, inner: e);
        }
        return options;
    }

    /// <summary>The option that sets a property of GenerationOptions, and its key in generation_config.json.</summary>
    (Option Option, string Key)? OptionOf(string property) => property switch
    {
        nameof(GenerationOptions.MaxNewTokens) => (maxNewTokens, "max_new_tokens"),
        nameof(GenerationOptions.Temperature) => (temperature, "temperature"),
        nameof(GenerationOptions.TopK) => (topK, "top_k"),
        nameof(GenerationOptions.TopP) => (topP, "top_p"),
        nameof(GenerationOptions.RepetitionPenalty) => (repetitionPenalty, "repetition_penalty"),
        nameof(GenerationOptions.StopSequences) => (stop, "stop"),
        _ => null,
    };
}

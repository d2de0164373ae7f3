using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>One prompt and what each model made of it, keyed by a model label such as <c>"base"</c> or the twin's name.</summary>
public sealed record Sample(string Prompt, IReadOnlyDictionary<string, string> Outputs);

/// <summary>
/// A run's <c>samples.json</c>: generations for the same prompts from several models, shown side by side in the
/// report. The CLI writes it after a run: <c>new SampleSet([new Sample(prompt, new Dictionary&lt;string, string&gt; { ["base"] = a, ["twin"] = b })]).Save(runDirectory)</c>.
/// </summary>
public sealed record SampleSet(IReadOnlyList<Sample> Samples)
{
    public const string FileName = "samples.json";

    static readonly JsonSerializerOptions Serializer = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>The model labels in order of first appearance: the report's columns.</summary>
    public IReadOnlyList<string> ModelLabels => Samples.SelectMany(sample => sample.Outputs.Keys).Distinct().ToList();

    /// <summary>Writes <c>samples.json</c> into <paramref name="runDirectory"/> atomically, as a JSON list of samples.</summary>
    public void Save(string runDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(Samples, Serializer));

    /// <summary>Reads <c>samples.json</c> from <paramref name="runDirectory"/>; null when there is none.</summary>
    /// <exception cref="InputFileException">The file is not a list of samples.</exception>
    public static SampleSet? Load(string runDirectory)
    {
        var samples = JsonListFile.Read<Sample>(Path.Combine(runDirectory, FileName), Serializer, "{\"prompt\": ..., \"outputs\": {label: text}}",
            sample => sample?.Prompt is null || sample.Outputs is null, "each sample needs a \"prompt\" and \"outputs\"");
        return samples is null ? null : new SampleSet(samples);
    }
}

using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;
using Twinforge.Reporting;

namespace Twinforge.Cli.Progress;

/// <summary>
/// Base and fine-tuned model answering the same prompts, for the run's report: the first user turns of the held-out
/// (or else training) conversations. Data that is not chat gives no samples.
/// </summary>
public static class RunSamples
{
    public static void Write(string runDirectory, string basePath, FineTuningResult run, string promptSource, int count = 3)
    {
        var prompts = DistinctPrompts(File.ReadLines(promptSource), count);
        if (prompts.Count == 0) return;
        Answer(prompts, Models(basePath, run)).Save(runDirectory);
    }

    /// <summary>
    /// Every model's reply to every prompt, each model loaded in turn. Lightly sampled with a fixed seed: greedy
    /// decoding makes small models loop, and a repetition penalty on byte-level tokens would garble spelling. Each prompt
    /// has its own seed (1 + its position): with one seed for all, a model whose answer rightly does not depend on the
    /// question (a persona's excuses) would draw the same answer to every question.
    /// </summary>
    public static SampleSet Answer(IReadOnlyList<string> prompts, IEnumerable<(string Label, Func<PretrainedModel> Load)> models)
    {
        var options = new GenerationOptions { MaxNewTokens = 60, Temperature = 0.7, TopK = 20, Seed = 1 };
        // By position, not by prompt: a caller's list may repeat a prompt, and each entry gets its own answers.
        var answers = prompts.Select(_ => new Dictionary<string, string>()).ToList();
        foreach (var (label, load) in models)
        {
            using var model = load();
            for (var index = 0; index < prompts.Count; index++)
                answers[index][label] = model.Chat([new ChatMessage(ChatRole.User, prompts[index])], options with { Seed = 1 + index }).Text.Trim();
        }
        return new SampleSet(prompts.Select((prompt, index) => new Sample(prompt, answers[index])).ToList());
    }

    static IEnumerable<(string Label, Func<PretrainedModel> Load)> Models(string basePath, FineTuningResult run)
    {
        yield return ("base", () => PretrainedModel.Load(basePath));
        if (run.ModelDirectory is string merged) yield return ("fine-tuned", () => PretrainedModel.Load(merged));
        else if (run.AdapterDirectory is string adapter)
            yield return ("fine-tuned", () =>
            {
                var model = PretrainedModel.Load(basePath);
                PeftAdapter.Load(model.Network, adapter);
                return model;
            });
    }

    /// <summary>
    /// The first <paramref name="count"/> different first user turns of chat JSONL lines: the same question asked
    /// twice says nothing more about a model. Lines that are not chat conversations are skipped.
    /// </summary>
    public static IReadOnlyList<string> DistinctPrompts(IEnumerable<string> jsonLines, int count) =>
        jsonLines.Select(FirstUserTurn).OfType<string>().Distinct(StringComparer.Ordinal).Take(count).ToList();

    /// <summary>The content of a chat JSONL line's first user message, or null when the line holds none.</summary>
    public static string? FirstUserTurn(string jsonLine) => FirstTurn(jsonLine, "user");

    /// <summary>The content of a chat JSONL line's first assistant message (the creator's answer), or null.</summary>
    public static string? FirstAssistantTurn(string jsonLine) => FirstTurn(jsonLine, "assistant");

    static string? FirstTurn(string jsonLine, string wantedRole)
    {
        try
        {
            using var document = JsonDocument.Parse(jsonLine);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
                return null;
            var prompt = messages.EnumerateArray()
                .Where(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == wantedRole)
                .Select(m => m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : null)
                .FirstOrDefault();
            return string.IsNullOrWhiteSpace(prompt) ? null : prompt;
        }
        catch (JsonException)
        {
            return null; // not chat JSONL
        }
    }
}

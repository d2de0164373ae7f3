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
        var prompts = UserPrompts(promptSource).Take(count).ToList();
        if (prompts.Count == 0) return;
        Answer(prompts, Models(basePath, run)).Save(runDirectory);
    }

    /// <summary>
    /// Every model's reply to every prompt, each model loaded in turn. Lightly sampled with a fixed seed: greedy
    /// decoding makes small models loop, and a repetition penalty on byte-level tokens would garble spelling.
    /// </summary>
    public static SampleSet Answer(IReadOnlyList<string> prompts, IEnumerable<(string Label, Func<PretrainedModel> Load)> models)
    {
        var options = new GenerationOptions { MaxNewTokens = 60, Temperature = 0.7, TopK = 20, Seed = 1 };
        var answers = prompts.ToDictionary(prompt => prompt, _ => new Dictionary<string, string>());
        foreach (var (label, load) in models)
        {
            using var model = load();
            foreach (var prompt in prompts)
                answers[prompt][label] = model.Chat([new ChatMessage(ChatRole.User, prompt)], options).Text.Trim();
        }
        return new SampleSet(prompts.Select(prompt => new Sample(prompt, answers[prompt])).ToList());
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

    static IEnumerable<string> UserPrompts(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            string? prompt = null;
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object &&
                    document.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                {
                    prompt = messages.EnumerateArray()
                        .Where(m => m.TryGetProperty("role", out var role) && role.GetString() == "user" && m.TryGetProperty("content", out _))
                        .Select(m => m.GetProperty("content").GetString())
                        .FirstOrDefault();
                }
            }
            catch (JsonException)
            {
                yield break; // not chat JSONL
            }
            if (!string.IsNullOrWhiteSpace(prompt)) yield return prompt;
        }
    }
}

using Twinforge.Engine;
using Twinforge.Engine.Data;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using Twinforge.Engine.Training;

namespace Twinforge.Twins.Fidelity;

/// <summary>A prompt two versions are asked, and what kind it is ("held-out" for the creator's, "general" otherwise).</summary>
public sealed record Probe(string Prompt, string Kind);

/// <summary>
/// Both versions' answers to one probe, and each answer's loss (nats per token) under both versions. A version that
/// changed its behaviour finds the other's answer unlikely: <see cref="Change"/> adds how much less likely B finds A's
/// answer than A does and how much less likely A finds B's than B does (zero for identical models, never negative in
/// expectation).
/// </summary>
public sealed record ProbeAnswers(Probe Probe, string AnswerA, string AnswerB, double AUnderA, double AUnderB, double BUnderA, double BUnderB)
{
    public double Change => (AUnderB - AUnderA) + (BUnderA - BUnderB);
}

/// <summary>
/// The behavioural diff of two versions (<c>twin diff</c>): both answer the same probes with the same sampling and
/// seeds, every answer is scored under both, and the probes are ordered by how much the answers changed.
/// </summary>
public static class BehaviourDiff
{
    /// <summary>Prompts about nothing in particular: where a twin should still answer as a general model would.</summary>
    public static IReadOnlyList<string> GeneralPrompts { get; } =
    [
        "What is the capital of France?", "Tell me a short story about a dog.", "How do I boil an egg?",
        "What does a computer network do?", "Give me some advice for a rainy day.", "Who wrote Pride and Prejudice?",
    ];

    static GenerationOptions Sampling(int probe) => new() { MaxNewTokens = 60, Temperature = 0.7, TopK = 20, Seed = 1 + probe };

    public static IReadOnlyList<ProbeAnswers> Compare(Func<PretrainedModel> loadA, Func<PretrainedModel> loadB, IReadOnlyList<Probe> probes,
        int sequenceLength)
    {
        var answersA = Answer(loadA, probes);
        var answersB = Answer(loadB, probes);
        var (aUnderA, bUnderA) = Score(loadA, probes, answersA, answersB, sequenceLength);
        var (aUnderB, bUnderB) = Score(loadB, probes, answersA, answersB, sequenceLength);
        return probes.Select((probe, i) => new ProbeAnswers(probe, answersA[i], answersB[i], aUnderA[i], aUnderB[i], bUnderA[i], bUnderB[i]))
            .OrderByDescending(answers => answers.Change).ToList();
    }

    static List<string> Answer(Func<PretrainedModel> load, IReadOnlyList<Probe> probes)
    {
        using var model = load();
        return probes.Select((probe, index) => model.Chat([new(ChatRole.User, probe.Prompt)], Sampling(index)).Text.Trim()).ToList();
    }

    /// <summary>
    /// Per probe, the loss of A's and of B's answer under one model: the exchange encoded as training encodes it (its
    /// last <paramref name="sequenceLength"/> tokens), whatever the answer holds; scored on the answer and its end marker.
    /// </summary>
    static (double[] A, double[] B) Score(Func<PretrainedModel> load, IReadOnlyList<Probe> probes, IReadOnlyList<string> answersA,
        IReadOnlyList<string> answersB, int sequenceLength)
    {
        using var model = load();
        double[] Of(IReadOnlyList<string> answers) => ConversationLoss.Score(model,
            probes.Select((probe, i) => (IReadOnlyList<ChatMessage>)[new(ChatRole.User, probe.Prompt), new(ChatRole.Assistant, answers[i])]).ToList(),
            sequenceLength).Select(example => example.Loss).ToArray();
        return (Of(answersA), Of(answersB));
    }
}

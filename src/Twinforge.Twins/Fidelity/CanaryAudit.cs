using Twinforge.Engine;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// Measures how much a trained model gives away of a canary planted in its training data: a random secret of
/// <see cref="Digits"/> digits (written digit by digit, "4 7 1 …", so every tokenizer sees each digit) as the answer
/// to <see cref="Prompt"/>. The model's total loss on the planted answer is ranked among the same answer with random
/// other secrets (<see cref="CanaryExposure"/>): a model that memorised it ranks it first.
/// </summary>
/// <param name="Prompt">What the canary conversation asks, e.g. "What is the vault code?".</param>
/// <param name="Template">The answer with <c>{0}</c> where the secret goes, e.g. "The vault code is {0}.".</param>
public sealed record CanaryAudit(string Prompt, string Template, int Digits = 6)
{
    /// <summary>The highest exposure a secret of this format can have, in bits: log₂ 10^<see cref="Digits"/>.</summary>
    public double MaximumExposure => Digits * Math.Log2(10);

    /// <summary>A random secret of the format, digits separated by spaces.</summary>
    public string NewSecret(Random random) => string.Join(' ', Enumerable.Range(0, Digits).Select(_ => random.Next(10)));

    /// <summary>The canary conversation with <paramref name="secret"/>: what is planted in training data.</summary>
    public IReadOnlyList<ChatMessage> Conversation(string secret) => [new(ChatRole.User, Prompt), new(ChatRole.Assistant, string.Format(Template, secret))];

    /// <summary>
    /// The exposure of <paramref name="secret"/> in bits (at most log₂ 10^<see cref="Digits"/>): its loss against
    /// <paramref name="samples"/> random other secrets drawn with <paramref name="seed"/>.
    /// </summary>
    public double Exposure(PretrainedModel model, string secret, int samples = 200, int seed = 1, int sequenceLength = 128)
    {
        var random = new Random(seed);
        var others = Enumerable.Range(0, samples).Select(_ => NewSecret(random)).Where(other => other != secret).ToList();
        var losses = ConversationLoss.Score(model, others.Prepend(secret).Select(Conversation).ToList(), sequenceLength)
            .Select(example => example.SummedLoss).ToList();
        return CanaryExposure.Bits(losses[0], losses.Skip(1).ToList(), Math.Pow(10, Digits));
    }
}

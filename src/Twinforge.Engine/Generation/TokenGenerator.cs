using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Autoregressive decoding with a key/value cache: the prompt is processed once, then each new token costs one
/// single-position forward pass. Works on token ids; <see cref="TextGenerator"/> adds text and stop sequences.
/// Holds an <see cref="InferenceSession"/> across generations while the model's weights stay the same (a new one is
/// made after they change); dispose the generator to free it. One generation at a time.
/// </summary>
public sealed class TokenGenerator(CausalLanguageModel model) : IDisposable
{
    InferenceSession? session;
    bool generating;

    /// <summary>
    /// Yields generated token ids one at a time until <see cref="GenerationOptions.MaxNewTokens"/>, a stop token
    /// (the model's end-of-sequence ids and <see cref="GenerationOptions.StopTokenIds"/>, not yielded), the model's
    /// context length, or the caller stops enumerating.
    /// </summary>
    public IEnumerable<int> Generate(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        options.Validate();
        // The prompt is the user's text: one the model cannot take is bad input. Ids outside the vocabulary cannot come
        // from the model's tokenizer, so they are the caller's mistake.
        if (promptIds.Count == 0) throw new BadInputException("the prompt must hold at least one token");
        var config = model.Config;
        if (promptIds.Any(id => id < 0 || id >= config.VocabularySize))
            throw new ArgumentException($"prompt token ids must lie in [0, {config.VocabularySize})", nameof(promptIds));
        int capacity = ContextWindow.Capacity(config, promptIds.Count, options.MaxNewTokens);
        if (promptIds.Count > config.MaxPositions)
            throw new BadInputException($"the prompt has {promptIds.Count} tokens; the model's context is {config.MaxPositions}: shorten it");
        return options.MaxNewTokens == 0 ? [] : Decode(promptIds, options, capacity);
    }

    IEnumerable<int> Decode(IReadOnlyList<int> promptIds, GenerationOptions options, int capacity)
    {
        // The session's one cache serves one generation: a second one enumerated alongside would overwrite it.
        if (generating) throw new InvalidOperationException("this generator is already generating: finish (or dispose) that enumeration first, or use another generator");
        generating = true;
        var stopIds = model.Config.EosTokenIds.Concat(options.StopTokenIds).ToHashSet();
        var seen = new List<int>(promptIds);
        bool wasTraining = model.training;
        model.eval();
        using var sampler = new TokenSampler(options);
        try
        {
            var inference = InferenceSession.Current(ref session, model);
            inference.Start(batchSize: 1, capacity);
            int next = Step(inference, promptIds, sampler, seen);
            for (int produced = 0; ; produced++)
            {
                if (stopIds.Contains(next)) yield break;
                yield return next;
                seen.Add(next);
                if (produced + 1 >= options.MaxNewTokens || inference.Length >= capacity) yield break;
                next = Step(inference, [next], sampler, seen);
            }
        }
        finally
        {
            generating = false;
            if (wasTraining) model.train();
        }
    }

    static int Step(InferenceSession session, IReadOnlyList<int> inputIds, TokenSampler sampler, IReadOnlyList<int> seen)
    {
        using var scope = NewDisposeScope();
        var input = tensor(inputIds.Select(id => (long)id).ToArray()).unsqueeze(0);
        var logits = session.Forward(input, lastPositionOnly: true); // (1, 1, vocab)
        return sampler.Next(logits, seen);
    }

    public void Dispose()
    {
        session?.Dispose();
        session = null;
    }
}

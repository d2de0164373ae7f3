using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Decodes several prompts at once: one forward pass per step serves every stream, so the weights are read once per
/// step for all of them (decoding one stream is bound by reading the weights, not by arithmetic). Prompts of
/// different lengths are left-padded and masked, with positions counted from each stream's first real token, so each
/// stream gets the tokens <see cref="TokenGenerator"/> would give it alone (exactly, for greedy decoding, up to
/// floating-point ties). With sampling each stream draws from its own sampler seeded with
/// <see cref="GenerationOptions.Seed"/>. Holds an <see cref="InferenceSession"/> across calls while the model's weights
/// stay the same, as <see cref="TokenGenerator"/> does; dispose the generator to free it.
/// </summary>
/// <example><code>
/// using var generator = new BatchTokenGenerator(model);
/// var outputs = generator.Generate([[1, 2, 3], [4, 5]], new GenerationOptions { MaxNewTokens = 32 });
/// </code></example>
public sealed class BatchTokenGenerator(CausalLanguageModel model) : IDisposable
{
    InferenceSession? session;

    /// <summary>
    /// The generated ids of each prompt, in prompt order. A stream ends at <see cref="GenerationOptions.MaxNewTokens"/>,
    /// at a stop token (not included) or at the context length; the batch stops when every stream has ended. With
    /// GPT-2's learned positions the cache spans the longest prompt plus the new tokens, so when that exceeds the
    /// context a shorter prompt's stream can end before it would alone.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        options.Validate();
        var config = model.Config;
        if (prompts.Count == 0) throw new ArgumentException("give at least one prompt", nameof(prompts));
        for (int stream = 0; stream < prompts.Count; stream++)
        {
            var prompt = prompts[stream];
            if (prompt.Count == 0) throw new ArgumentException($"prompt {stream} is empty: a prompt needs at least one token", nameof(prompts));
            if (prompt.Any(id => id < 0 || id >= config.VocabularySize))
                throw new ArgumentException($"prompt {stream}: token ids must lie in [0, {config.VocabularySize})", nameof(prompts));
            if (prompt.Count > config.MaxPositions)
                throw new ArgumentException($"prompt {stream} has {prompt.Count} tokens; the model's context is {config.MaxPositions}", nameof(prompts));
        }
        int streams = prompts.Count;
        var outputs = Enumerable.Range(0, streams).Select(_ => new List<int>()).ToArray();
        if (options.MaxNewTokens == 0) return outputs;

        int longest = prompts.Max(prompt => prompt.Count);
        var padding = prompts.Select(prompt => longest - prompt.Count).ToArray();
        int capacity = ContextWindow.Capacity(config, longest, options.MaxNewTokens);
        var stopIds = config.EosTokenIds.Concat(options.StopTokenIds).ToHashSet();
        var seen = prompts.Select(prompt => new List<int>(prompt)).ToArray();
        var finished = new bool[streams];

        bool wasTraining = model.training;
        model.eval();
        var inference = InferenceSession.Current(ref session, model);
        inference.Start(streams, capacity);
        var samplers = Enumerable.Range(0, streams).Select(_ => new TokenSampler(options)).ToArray();
        // true where a stream's cache slot holds a real token: the key padding mask, grown one column per step.
        using var validSlots = PaddingMask(padding, capacity);
        bool padded = padding.Any(count => count > 0);
        try
        {
            var next = Prefill(prompts, longest, padding, padded ? validSlots : null, inference, options, samplers, seen);
            while (true)
            {
                for (int stream = 0; stream < streams; stream++)
                {
                    if (finished[stream]) continue;
                    if (stopIds.Contains(next[stream]))
                    {
                        finished[stream] = true;
                        continue;
                    }
                    outputs[stream].Add(next[stream]);
                    seen[stream].Add(next[stream]);
                    if (outputs[stream].Count >= options.MaxNewTokens) finished[stream] = true;
                }
                if (finished.All(done => done) || inference.Length >= capacity) break;
                next = DecodeStep(next, padding, padded ? validSlots : null, inference, options, samplers, seen);
            }
        }
        finally
        {
            foreach (var sampler in samplers) sampler.Dispose();
            if (wasTraining) model.train();
        }
        return outputs;
    }

    /// <summary>(streams, capacity) booleans: false on each stream's left padding, true elsewhere.</summary>
    static Tensor PaddingMask(int[] padding, int capacity)
    {
        using var scope = NewDisposeScope();
        var slots = ScalarOperations.Range(0, capacity).unsqueeze(0);                                       // (1, capacity)
        var firstReal = tensor(padding.Select(count => (long)count).ToArray()).unsqueeze(1); // (streams, 1)
        return slots.ge(firstReal).MoveToOuterDisposeScope();
    }

    static int[] Prefill(IReadOnlyList<IReadOnlyList<int>> prompts, int longest, int[] padding, Tensor? validSlots,
        InferenceSession session, GenerationOptions options, TokenSampler[] samplers, List<int>[] seen)
    {
        using var scope = NewDisposeScope();
        int streams = prompts.Count;
        var ids = new long[streams * longest];
        var positions = new long[streams * longest];
        for (int stream = 0; stream < streams; stream++)
        {
            for (int slot = 0; slot < longest; slot++)
            {
                int index = slot - padding[stream];
                // Padding repeats the first real token: any valid id would do, as no real query attends to it.
                ids[stream * longest + slot] = prompts[stream][Math.Max(0, index)];
                positions[stream * longest + slot] = Math.Max(0, index);
            }
        }
        var input = tensor(ids, [streams, longest]);
        Tensor? mask = null;
        if (validSlots is not null)
        {
            // Causal over real tokens; a padding query attends to itself so its softmax has a finite row (an all-masked
            // row gives NaN, and NaN values at padding slots would poison real queries through 0 · NaN).
            var causal = ones([longest, longest], ScalarType.Bool).tril();
            var keys = validSlots.narrow(1, 0, longest).view(streams, 1, 1, longest);
            var self = eye(longest, dtype: ScalarType.Bool);
            mask = causal.logical_and(keys).logical_or(self);                              // (streams, 1, T, T)
        }
        var logits = session.Forward(input, tensor(positions, [streams, longest]), mask, lastPositionOnly: true);
        return Choose(logits, options, samplers, seen);
    }

    static int[] DecodeStep(int[] previous, int[] padding, Tensor? validSlots, InferenceSession session, GenerationOptions options,
        TokenSampler[] samplers, List<int>[] seen)
    {
        using var scope = NewDisposeScope();
        int streams = previous.Length, slot = session.Length;
        var input = tensor(previous.Select(id => (long)id).ToArray(), [streams, 1]);
        var positions = tensor(padding.Select(count => (long)(slot - count)).ToArray(), [streams, 1]);
        // A new token may attend to every real slot up to and including its own.
        var mask = validSlots?.narrow(1, 0, slot + 1).view(streams, 1, 1, slot + 1);
        var logits = session.Forward(input, positions, mask, lastPositionOnly: true); // (streams, 1, vocab)
        return Choose(logits, options, samplers, seen);
    }

    static int[] Choose(Tensor logits, GenerationOptions options, TokenSampler[] samplers, List<int>[] seen)
    {
        if (options.ChoosesRawArgmax)
        {
            // One scan over the batch's logits, as TokenSampler's greedy choice per row.
            return GreedyChoice.PerRow(logits);
        }
        var next = new int[samplers.Length];
        for (int stream = 0; stream < samplers.Length; stream++)
        {
            using var row = logits[stream];
            next[stream] = samplers[stream].Next(row, seen[stream]);
        }
        return next;
    }

    public void Dispose()
    {
        session?.Dispose();
        session = null;
    }
}

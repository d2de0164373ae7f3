using TorchSharp;
using Twinforge.Engine.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Generation;

/// <summary>
/// Cached, incremental inference over one set of a model's weights: it owns the key/value cache of the sequences
/// being decoded, copies of the weights laid out for decoding, and the choice of kernel for each product. The model
/// stays a plain network; everything that makes decoding fast lives here.
/// </summary>
/// <remarks>
/// <para>The copies: a one-token matrix-vector product over a weight stored (inputs × outputs), GPT-2's Conv1D layout,
/// reads it column-wise; over an (outputs × inputs) contiguous copy it reads rows and runs markedly faster (GPT-2
/// 124M, bf16: 15.4 → 10.8 ms of projections per decoded token), and one row then goes through
/// <see cref="MatrixVectorKernel"/>. Weights already (outputs × inputs), contiguous and in the compute dtype are used
/// as they are. Making the copies takes far longer than a token, so a session is kept across generations — a
/// generator holds one — for as long as the weights stay the same.</para>
/// <para>Staleness: the session records the model's <see cref="CausalLanguageModel.WeightsVersion"/> when it copies
/// the weights and refuses to run once that number has moved (training steps, merges, adapter loads and the rest
/// bump it). Its holder checks <see cref="IsCurrent"/> before a generation and replaces a stale session; nothing that
/// changes weights needs to know that sessions exist.</para>
/// <para>One sequence batch at a time, on one thread: <see cref="Start"/> begins new sequences in the same cache.</para>
/// </remarks>
/// <example><code>
/// using var session = new InferenceSession(model);
/// session.Start(batchSize: 1, capacity: prompt.Length + 32);
/// var logits = session.Forward(promptIds, lastPositionOnly: true);   // the prompt, then one token per call
/// </code></example>
public sealed class InferenceSession : IDisposable
{
    readonly CausalLanguageModel model;
    readonly long weightsVersion;
    readonly ScalarType computeDType;
    readonly Dictionary<Projection, ComputeWeight> projections = new(ReferenceEqualityComparer.Instance);
    readonly ComputeWeight? tiedHead;
    readonly bool attachedAdapters;
    KeyValueCache? cache;

    // The fused one-token step (made on the first one-token step it can serve; false once found not to fit this model).
    SingleTokenStep? singleToken;
    bool singleTokenTried;

    /// <summary>
    /// Copies the model's weights for decoding, in its compute dtype (<see cref="CausalLanguageModel.ComputeDType"/>,
    /// else its dtype) — except where the compute dtype is wider than the weights (a bfloat16 base computed in float32):
    /// then the weights are used as stored, one row's product reads them in bfloat16 and accumulates in float32, and a
    /// longer product upcasts one weight at a time for its own duration, so no float32 copy of the model is ever held.
    /// </summary>
    public InferenceSession(CausalLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        weightsVersion = model.WeightsVersion;
        computeDType = model.ComputeDType ?? model.DType;
        attachedAdapters = model.HasAdapters; // attaching one later marks the weights changed: this session is then stale
        using var noGrad = no_grad();
        try
        {
            foreach (var (_, projection) in model.NamedProjections())
            {
                using var rows = projection.WeightOutputsByInputs();
                projections[projection] = new ComputeWeight(InComputeLayout(rows), projection.bias is null ? null : InComputeLayout(projection.bias));
            }
            // A tied output head is the token embedding, already (vocab × C); an untied one is a projection, copied above.
            if (model.LanguageModelHead is null) tiedHead = new ComputeWeight(InComputeLayout(model.TokenEmbedding.weight), null);
        }
        catch
        {
            Dispose(); // the copies made before the failure
            throw;
        }
    }

    /// <summary>
    /// <paramref name="held"/> while it matches the model's current weights, else a new session in its place (the
    /// stale one disposed): how a generator keeps one session for the life of a set of weights.
    /// </summary>
    public static InferenceSession Current(ref InferenceSession? held, CausalLanguageModel model)
    {
        if (held is { IsCurrent: true } && ReferenceEquals(held.model, model)) return held;
        held?.Dispose();
        held = null;
        held = new InferenceSession(model);
        return held;
    }

    /// <summary>False once the model's weights have changed since the copies were made: the session then refuses to run.</summary>
    public bool IsCurrent => model.WeightsVersion == weightsVersion;

    /// <summary>Positions cached so far (the next token's position in an unpadded stream).</summary>
    public int Length => cache?.Length ?? 0;

    /// <summary>The dtype the products run in, and the cache is kept in.</summary>
    public ScalarType ComputeDType => computeDType;

    /// <summary>
    /// Begins new sequences: forgets every cached position and makes room for <paramref name="batchSize"/> streams of
    /// <paramref name="capacity"/> positions (the cache's memory is kept when it is large enough).
    /// </summary>
    public void Start(long batchSize, int capacity)
    {
        ThrowIfStale();
        if (cache is not null && cache.BatchSize == batchSize && cache.Capacity >= capacity)
        {
            cache.Reset();
            return;
        }
        cache?.Dispose();
        cache = null;
        cache = new KeyValueCache(model.Config, batchSize, capacity, computeDType);
    }

    /// <summary>
    /// Feeds (B, T) token ids at the positions after those already cached — a prompt, then one token per call — and
    /// returns their (B, T, vocab) logits in the model's dtype, or (B, 1, vocab) for the last position only. Their keys
    /// and values are appended to the cache. Runs without autograd; the model must be in eval mode.
    /// </summary>
    /// <param name="inputIds">(B, T) token ids, B the streams the session was started for.</param>
    /// <param name="positionIds">(B, T) positions; by default <see cref="Length"/> + 0 … T−1 (left-padded streams count
    /// from their first real token).</param>
    /// <param name="attentionMask">(B, 1, T, Length + T) or (T, Length + T) boolean, true where a query may attend to a
    /// key, cached keys included; by default causal attention over everything cached.</param>
    /// <param name="lastPositionOnly">Compute logits for the last position only (what generation samples from).</param>
    public Tensor Forward(Tensor inputIds, Tensor? positionIds = null, Tensor? attentionMask = null, bool lastPositionOnly = false)
    {
        ThrowIfStale();
        var cache = this.cache ?? throw new InvalidOperationException("call Start before feeding tokens: it sizes the cache");
        if (model.training) throw new InvalidOperationException("inference runs in eval mode: call model.eval() first");
        if (inputIds.shape[0] != cache.BatchSize)
            throw new ArgumentException($"the session was started for {cache.BatchSize} streams; the input has {inputIds.shape[0]}", nameof(inputIds));
        if (positionIds is null && attentionMask is null && inputIds.shape is [1, 1] && inputIds.dtype == ScalarType.Int64 &&
            SingleToken(cache) is { } step)
        {
            var stepLogits = step.Step(inputIds.data<long>()[0], cache, adapter: null);
            cache.Advance(1);
            return stepLogits;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (positions, inputs) = model.Prepare(inputIds, positionIds, attentionMask, past: cache.Length);
        var hidden = model.Embed(inputIds, positions);
        hidden = Layers(hidden, Project, (layer, attention, q, k, v) => AttendOverCache(cache, layer, attention, q, k, v, inputs));
        cache.Advance((int)inputIds.shape[1]);
        hidden = model.FinalNorm.forward(hidden);
        if (lastPositionOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        return Head(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One step over rows of several streams at once, each stream with its own cache, position and adapter (a
    /// ragged batch): a prompt chunk or one decoded token per stream. The base projections run once over all rows;
    /// each adapter's low-rank delta is added to its own streams' rows only; attention runs per stream over its own
    /// cache. Returns (streams asking for logits, vocab) logits of each such stream's last row, in segment order, in
    /// the model's dtype. Every segment's cache advances by its row count. Runs without autograd, in eval mode.
    /// </summary>
    /// <remarks>
    /// Segments with the same adapter should be adjacent: their rows then form one run and get one delta product per
    /// projection (see <see cref="AdapterRows"/>). A stream's result does not depend on the others in the batch except
    /// through the rounding of the shared products (a one-row product goes through the matrix-vector kernel, more
    /// rows through libtorch's), so greedy tokens equal those of the stream decoded alone up to floating-point ties.
    /// </remarks>
    internal Tensor ForwardRagged(IReadOnlyList<RaggedSegment> segments)
    {
        ThrowIfStale();
        if (model.training) throw new InvalidOperationException("inference runs in eval mode: call model.eval() first");
        if (segments.Count == 0) throw new ArgumentException("a step needs at least one segment", nameof(segments));
        foreach (var segment in segments)
        {
            if (segment.TokenIds.Count == 0) throw new ArgumentException("a segment needs at least one token", nameof(segments));
            if (segment.Adapter is { } adapter && !ReferenceEquals(adapter.Model, model))
                throw new ArgumentException("an adapter was loaded for another model than this session's", nameof(segments));
        }
        if (segments is [{ TokenIds.Count: 1, NeedsLogits: true } only] && SingleToken(only.Cache) is { } step)
        {
            using var stepLogits = step.Step(only.TokenIds[0], only.Cache, only.Adapter);
            only.Cache.Advance(1);
            return stepLogits.view(1, -1);
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = new AdapterRows(segments);
        var ids = new long[rows.RowCount];
        var positions = new long[rows.RowCount];
        for (int index = 0; index < segments.Count; index++)
        {
            var (offset, count) = rows.SegmentRows(index);
            int past = segments[index].Cache.Length;
            for (int row = 0; row < count; row++)
            {
                ids[offset + row] = segments[index].TokenIds[row];
                positions[offset + row] = past + row;
            }
        }
        var positionIds = tensor(positions, [1, rows.RowCount]);
        var attention = new RaggedAttention(model, segments, rows, positionIds);
        var hidden = model.Embed(tensor(ids, [1, rows.RowCount]), positionIds); // (1, N, C)
        hidden = Layers(hidden, (projection, x) => rows.AddDeltas(projection, x, Project(projection, x)), attention.Attend);
        foreach (var segment in segments) segment.Cache.Advance(segment.TokenIds.Count);
        var lastRows = rows.LastRowsOfSegmentsNeedingLogits();
        if (lastRows.Length == 0) return empty([0, model.Config.VocabularySize], model.ActivationDType).MoveToOuterDisposeScope();
        hidden = hidden.index_select(1, tensor(lastRows));                                   // (1, M, C)
        var logits = Head(model.FinalNorm.forward(hidden));
        return logits.view(lastRows.Length, -1).MoveToOuterDisposeScope();
    }

    /// <summary>True once a one-token step has gone through the fused <see cref="SingleTokenStep"/> (for tests and profiles).</summary>
    internal bool DecodesSingleTokensInPlace => singleToken is not null;

    /// <summary>
    /// The fused one-token step (see <see cref="SingleTokenStep"/>) when it can decode into <paramref name="stream"/>:
    /// this session's model has no adapter attached to its projections (a ragged step's own adapter is fine) and its
    /// weights, norms and tables are float32 or bfloat16 on the CPU.
    /// </summary>
    SingleTokenStep? SingleToken(KeyValueCache stream)
    {
        if (attachedAdapters) return null;
        if (!singleTokenTried)
        {
            singleTokenTried = true;
            singleToken = SingleTokenStep.TryCreate(model, projection => (projections[projection].Weight, projections[projection].Bias), tiedHead?.Weight, computeDType);
        }
        return singleToken is { } step && step.Fits(stream) ? step : null;
    }

    /// <summary>A cache for one stream of a ragged batch (<see cref="ForwardRagged"/>), in this session's dtype.</summary>
    internal KeyValueCache CreateStreamCache(int capacity) => new(model.Config, batchSize: 1, capacity, computeDType);

    /// <summary>
    /// TransformerBlock.Forward in eval mode for every block, with the given products and attention:
    /// <paramref name="attend"/> takes a layer's projected (B, T, width) queries, keys and values and returns its
    /// (B, T, C) attended values, before the output projection.
    /// </summary>
    Tensor Layers(Tensor hidden, Func<Projection, Tensor, Tensor> project, Func<int, CausalSelfAttention, Tensor, Tensor, Tensor, Tensor> attend)
    {
        var blocks = model.Blocks;
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            var block = blocks[layer];
            var attention = block.Attention;
            var x = block.AttentionNorm.forward(hidden);
            var (q, k, v) = attention.FusedQkv is { } fused
                ? attention.SplitFused(project(fused, x))
                : (project(attention.Query!, x), project(attention.Key!, x), project(attention.Value!, x));
            hidden = hidden.Plus(project(attention.OutputProjection, attend(layer, attention, q, k, v)));
            hidden = hidden.Plus(Mlp(block.Mlp, block.MlpNorm.forward(hidden), project));
        }
        return hidden;
    }

    /// <summary>The output head over final-norm hidden states, (…, C) → (…, vocab), in the model's activation dtype.</summary>
    Tensor Head(Tensor hidden)
    {
        var logits = model.LanguageModelHead is { } untied ? Project(untied, hidden) : Multiply(tiedHead!.Value, hidden);
        return logits.dtype == model.ActivationDType ? logits : logits.to(model.ActivationDType);
    }

    /// <summary>
    /// CausalSelfAttention's heads and attention over a cache: (B, T, width) q, k, v after their projections → the
    /// new keys and values stored, and (B, T, C) attended values.
    /// </summary>
    internal static Tensor AttendOverCache(KeyValueCache cache, int layer, CausalSelfAttention attention, Tensor q, Tensor k, Tensor v, AttentionInputs inputs)
    {
        (q, k, v) = attention.ToHeads(q, k, v, inputs);
        if (q.shape[2] == 1 && DecodeAttentionKernel.Supports(q, cache.KeyStorage(layer), cache.ValueStorage(layer), inputs.Mask))
        {
            // One new position per stream: one pass over the cache (see DecodeAttentionKernel for why not SDPA here).
            int stored = cache.Write(layer, k, v);
            return DecodeAttentionKernel.Attend(q, cache.KeyStorage(layer), cache.ValueStorage(layer), stored, inputs.Mask);
        }
        var (keys, values) = cache.Store(layer, k, v);
        return attention.Attend(q, keys, values, inputs);
    }

    /// <summary>FeedForward.forward through the given products.</summary>
    static Tensor Mlp(FeedForward mlp, Tensor x, Func<Projection, Tensor, Tensor> project) =>
        project(mlp.DownProjection, mlp.Inner(mlp.GateProjection is { } gate ? project(gate, x) : null, project(mlp.UpProjection, x)));

    /// <summary>A projection from its compute copy, plus its LoRA adapter's delta if it has one.</summary>
    Tensor Project(Projection projection, Tensor input) => projection.WithAdapterDelta(input, Multiply(projections[projection], input));

    /// <summary>
    /// x·Wᵀ + b in the compute dtype; one row (one stream's decoded token) through the matrix-vector kernel. A weight
    /// kept narrower than the compute dtype is upcast for a product of several rows, and the copy freed after it.
    /// </summary>
    Tensor Multiply(ComputeWeight product, Tensor input)
    {
        var (weight, bias) = product;
        var typed = input.dtype == computeDType ? input : input.to(computeDType);
        // Decoding one token is bound by reading the weight, which the kernel does faster than libtorch (see MatrixVectorKernel).
        if (MatrixVectorKernel.Supports(typed, weight, bias)) return MatrixVectorKernel.Multiply(typed, weight, bias);
        if (weight.dtype == computeDType) return nn.functional.linear(typed, weight, bias);
        using var scope = NewDisposeScope();
        return nn.functional.linear(typed, weight.to(computeDType), bias?.to(computeDType)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The tensor in the compute dtype (or as stored, when the compute dtype would widen it), contiguous, detached: a
    /// copy only when it is not already so.
    /// </summary>
    Tensor InComputeLayout(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var detached = tensor.detach();
        var typed = DTypeWidth.Widens(detached.dtype, computeDType) ? detached : detached.to(computeDType);
        return typed.contiguous().MoveToOuterDisposeScope();
    }

    void ThrowIfStale()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!IsCurrent)
            throw new InvalidOperationException("the model's weights changed after this inference session copied them: start a new session");
    }

    bool disposed;

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        singleToken?.Dispose();
        cache?.Dispose();
        foreach (var (weight, bias) in tiedHead is { } tied ? projections.Values.Append(tied) : projections.Values)
        {
            weight.Dispose();
            bias?.Dispose();
        }
    }

    /// <summary>A weight as (outputs × inputs) and its bias, in the compute dtype, contiguous; owned by the session.</summary>
    readonly record struct ComputeWeight(Tensor Weight, Tensor? Bias);
}

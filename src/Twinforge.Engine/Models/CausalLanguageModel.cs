using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Twinforge.Engine.Models;

/// <summary>
/// A decoder-only transformer language model covering GPT-2 and Llama-style families (see
/// <see cref="TransformerConfig"/>). Parameter names are the Hugging Face checkpoint names of the family, e.g.
/// <c>transformer.h.0.attn.c_attn.weight</c> or <c>model.layers.0.self_attn.q_proj.weight</c>.
/// </summary>
/// <example><code>
/// using var model = new CausalLanguageModel(TransformerConfig.Gpt2(layerCount: 2));
/// model.InitializeWeights(seed: 1);
/// using var logits = model.forward(torch.tensor(new long[] { 1, 2, 3 }).unsqueeze(0)); // (1, 3, vocab)
/// </code></example>
public sealed class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
    readonly ModuleNames names;
    readonly ModuleContainer backbone;
    readonly TokenEmbedding positionEmbedding;
    readonly ModuleList<TransformerBlock> blocks;
    readonly nn.Module<Tensor, Tensor> finalNorm;
    readonly Projection? languageModelHead;
    readonly RotaryEmbedding? rotary;

    public CausalLanguageModel(TransformerConfig config, ScalarType dtype = ScalarType.Float32) : base("causal_lm")
    {
        config.Validate();
        Config = config;
        DType = dtype;
        embeddingDropout = config.EmbeddingDropout;
        names = ModuleNames.For(config.Family);
        backbone = new ModuleContainer(names.Backbone);
        TokenEmbedding = new TokenEmbedding(names.TokenEmbedding, config.VocabularySize, config.HiddenSize, dtype);
        backbone.Add(names.TokenEmbedding, TokenEmbedding);
        if (names.PositionEmbedding is string positionName)
        {
            positionEmbedding = new TokenEmbedding(positionName, config.MaxPositions, config.HiddenSize, dtype);
            backbone.Add(positionName, positionEmbedding);
        }
        else
        {
            positionEmbedding = null!;
            rotary = new RotaryEmbedding(config.HeadDimension, config.RopeTheta, config.RopeScaling);
        }
        blocks = new ModuleList<TransformerBlock>(
            Enumerable.Range(0, config.LayerCount).Select(i => new TransformerBlock(config, i, dtype)).ToArray());
        backbone.Add(names.Layers, blocks);
        finalNorm = TransformerBlock.CreateNorm(config, names.FinalNorm, dtype);
        backbone.Add(names.FinalNorm, finalNorm);
        register_module(names.Backbone, backbone);
        if (!config.TieWordEmbeddings)
        {
            languageModelHead = new Projection(ModuleNames.LanguageModelHead, config.HiddenSize, config.VocabularySize,
                hasBias: false, WeightLayout.OutputsByInputs, dtype);
            register_module(ModuleNames.LanguageModelHead, languageModelHead);
        }
        // LoRA adapters attached later draw their dropout masks through their projection from the model's generator.
        foreach (var projection in modules().OfType<Projection>()) projection.Randomness = Randomness;
    }

    public TransformerConfig Config { get; }

    /// <summary>The generator every dropout of this model draws from (embeddings, attention, residuals, LoRA).</summary>
    public DropoutRandomness Randomness { get; } = new();

    /// <summary>The dtype the parameters were created with.</summary>
    public ScalarType DType { get; }

    public TokenEmbedding TokenEmbedding { get; }

    /// <summary>GPT-2's learned position embedding (<c>transformer.wpe</c>); null for rotary families.</summary>
    public TokenEmbedding? PositionEmbedding => positionEmbedding;

    public IReadOnlyList<TransformerBlock> Blocks => blocks.ToList();

    internal nn.Module<Tensor, Tensor> FinalNorm => finalNorm;

    /// <summary>The rotary position embedding of rotary families (null for GPT-2).</summary>
    internal RotaryEmbedding? Rotary => rotary;

    /// <summary>Llama's untied output head (<c>lm_head</c>); null when the head is the token embedding.</summary>
    internal Projection? LanguageModelHead => languageModelHead;

    /// <summary>
    /// Every projection with its full module name, e.g. <c>model.layers.0.self_attn.q_proj</c> (the name PEFT's
    /// <c>target_modules</c> are matched against), in registration order.
    /// </summary>
    public IReadOnlyList<(string Name, Projection Projection)> NamedProjections()
    {
        // TorchSharp lists a module once per name it is registered under: the Hugging Face name given to
        // register_module first, then its C# field name added by RegisterComponents. Keep the first, as
        // named_parameters() does.
        var seen = new HashSet<Projection>(ReferenceEqualityComparer.Instance);
        return named_modules().Where(entry => entry.module is Projection projection && seen.Add(projection))
            .Select(entry => (entry.name, (Projection)entry.module)).ToList();
    }

    /// <summary>The projections that carry a LoRA adapter, with their full module names, in registration order.</summary>
    public IReadOnlyList<(string Name, Projection Projection)> AdaptedProjections() =>
        NamedProjections().Where(entry => entry.Projection.Adapter is not null).ToList();

    /// <summary>True when any projection has a LoRA adapter attached.</summary>
    public bool HasAdapters => modules().OfType<Projection>().Any(projection => projection.Adapter is not null);

    /// <summary>Number of parameters, the tied embedding counted once.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Full causal forward pass: (B, T) token ids → (B, T, vocab) logits.</summary>
    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>
    /// Forward pass with the options training and scoring need. (Cached, incremental decoding is
    /// <see cref="Generation.InferenceSession"/>'s.)
    /// </summary>
    /// <param name="inputIds">(B, T) token ids.</param>
    /// <param name="positionIds">(B, T) positions; by default 0 … T−1.</param>
    /// <param name="attentionMask">(B, 1, T, T) or (T, T) boolean, true where a query may attend to a key (e.g. causal
    /// within each packed document); by default plain causal attention.</param>
    public Tensor Forward(Tensor inputIds, Tensor? positionIds = null, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        return Logits(Hidden(inputIds, positionIds, attentionMask)).MoveToOuterDisposeScope();
    }

    /// <summary>The final-norm hidden states, (B, T, C).</summary>
    public Tensor Hidden(Tensor inputIds, Tensor? positionIds = null, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        var (positions, inputs) = Prepare(inputIds, positionIds, attentionMask);
        var hidden = Embed(inputIds, positions);
        foreach (var block in blocks) hidden = block.Forward(hidden, inputs);
        return finalNorm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Forward and backward of one training batch with activation checkpointing: the blocks first run without autograd,
    /// keeping only each block's input; <paramref name="headBackward"/> receives the final-norm hidden states (B, T, C)
    /// with autograd from the last block's output, computes the loss and runs its backward (returning the loss); then
    /// each block, last to first, runs again from its saved input with autograd and is back-propagated at once. Memory
    /// for activations is one block's instead of every block's, for about one more forward pass of compute. The
    /// dropout generator is rewound before each recomputation, so dropout draws the masks the first pass drew (the
    /// gradients are those of an ordinary backward), and left where the first pass left it.
    /// </summary>
    public Tensor CheckpointedBackward(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, Func<Tensor, Tensor> headBackward)
    {
        using var scope = NewDisposeScope();
        var (positions, inputs) = Prepare(inputIds, positionIds, attentionMask);
        int count = blocks.Count;
        var blockInputs = new Tensor[count];
        var blockRandomStates = new byte[count][];
        var embeddingRandomState = Randomness.SaveState();
        Tensor hidden;
        using (no_grad())
        {
            hidden = Embed(inputIds, positions);
            for (int i = 0; i < count; i++)
            {
                blockRandomStates[i] = Randomness.SaveState();
                blockInputs[i] = hidden;
                hidden = blocks[i].Forward(hidden, inputs);
            }
        }
        var afterForward = Randomness.SaveState();

        var lastOutput = hidden.requires_grad_(true); // a leaf: made without autograd
        var loss = headBackward(finalNorm.forward(lastOutput));
        var upstream = lastOutput.grad;
        lastOutput.Dispose();
        // Each gradient and saved input is freed as soon as it is used: kept to the end, these (B, T, C) tensors would
        // sit between the blocks' recomputed activations and fragment the heap.
        for (int i = count - 1; i >= 0 && upstream is not null; i--)
        {
            Tensor? next;
            using (var blockScope = NewDisposeScope())
            {
                Randomness.RestoreState(blockRandomStates[i]);
                var input = blockInputs[i].requires_grad_(true);
                var output = blocks[i].Forward(input, inputs);
                output.backward([upstream]);
                next = input.grad?.MoveToOuterDisposeScope();
            }
            blockInputs[i].Dispose(); // its gradient lives on in next
            upstream.Dispose();
            upstream = next;
        }
        bool embeddingsTrain = TokenEmbedding.weight.requires_grad || positionEmbedding?.weight.requires_grad == true;
        if (embeddingsTrain && upstream is not null)
        {
            using var embeddingScope = NewDisposeScope();
            Randomness.RestoreState(embeddingRandomState);
            Embed(inputIds, positions).backward([upstream]);
        }
        Randomness.RestoreState(afterForward);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Positions (by default <paramref name="past"/> + 0 … T−1) and what every attention layer shares; checks the
    /// lengths. <paramref name="past"/> counts positions an inference session has already cached before these; a
    /// given mask then covers those keys too, (B, 1, T, past + T).
    /// </summary>
    internal (Tensor Positions, AttentionInputs Inputs) Prepare(Tensor inputIds, Tensor? positionIds, Tensor? attentionMask, int past = 0)
    {
        long batch = inputIds.shape[0], time = inputIds.shape[1];
        if (attentionMask is not null && attentionMask.shape[^1] != past + time)
            throw new ArgumentException(
                $"the attention mask covers {attentionMask.shape[^1]} keys; {past} cached and {time} new positions make {past + time}",
                nameof(attentionMask));
        positionIds ??= ScalarOperations.Range(past, past + time, inputIds.device).unsqueeze(0).expand(batch, time);
        if (positionEmbedding is not null && past + time > Config.MaxPositions)
            throw new ArgumentException($"sequence of {past + time} tokens exceeds the model's {Config.MaxPositions} positions");
        Tensor? cos = null, sin = null;
        if (rotary is not null) (cos, sin) = rotary.Angles(positionIds, ActivationDType);
        var inputs = attentionMask is not null
            ? new AttentionInputs(cos, sin, attentionMask, IsCausal: false, Randomness)
            : past == 0
                ? new AttentionInputs(cos, sin, null, IsCausal: time > 1, Randomness)
                : new AttentionInputs(cos, sin, time == 1 ? null : CausalMaskAfter(past, time, inputIds.device), IsCausal: false, Randomness);
        return (positionIds, inputs);
    }

    /// <summary>
    /// What the rows of a ragged inference step share when each row is one stream's newest position: rotary angles
    /// for their (1, N) positions, and no mask (each row attends over its own stream's cache).
    /// </summary>
    internal AttentionInputs RowInputs(Tensor positionIds)
    {
        Tensor? cos = null, sin = null;
        if (rotary is not null) (cos, sin) = rotary.Angles(positionIds, ActivationDType);
        return new AttentionInputs(cos, sin, null, IsCausal: false, Randomness);
    }

    /// <summary>Token (and GPT-2's learned position) embeddings, with embedding dropout in training: (B, T) → (B, T, C).</summary>
    internal Tensor Embed(Tensor inputIds, Tensor positionIds)
    {
        var hidden = TokenEmbedding.forward(inputIds);
        if (hidden.dtype != ActivationDType) hidden = hidden.to(ActivationDType); // a bfloat16 base computed in float32
        if (positionEmbedding is not null)
        {
            hidden = hidden.Plus(positionEmbedding.forward(positionIds));
            if (training && embeddingDropout > 0) hidden = Randomness.Apply(hidden, embeddingDropout);
        }
        return hidden;
    }

    /// <summary>
    /// The dtype of the matrix products of every projection and of the output head, or null for the parameters'
    /// dtype. Set it to bfloat16 on float32 parameters for mixed precision: norms, softmax statistics and the
    /// residual stream stay float32 and <see cref="Logits"/> returns float32, so the loss is computed in full precision.
    /// </summary>
    public ScalarType? ComputeDType
    {
        get => computeDType;
        set
        {
            computeDType = value;
            foreach (var projection in modules().OfType<Projection>()) projection.ComputeDType = value;
            MarkWeightsChanged(); // what the forward pass computes changed: copies made for the old dtype are stale
        }
    }

    ScalarType? computeDType;
    double embeddingDropout;

    /// <summary>
    /// True when <see cref="ComputeDType"/> is wider than the parameters (a bfloat16 base multiplied in float32 where
    /// bfloat16 products are slow): each product upcasts its weight transiently, the residual stream and logits are
    /// float32, and no lasting float32 copy of a frozen weight is ever made. Training such a model checkpoints
    /// activations, else autograd would keep every projection's upcast weight until the backward pass reached it.
    /// </summary>
    public bool WidensWeights => DTypeWidth.Widens(DType, computeDType);

    /// <summary>
    /// The dtype of the residual stream, rotary angles and logits: the compute dtype when it is wider than the
    /// parameters, else the parameters' own.
    /// </summary>
    public ScalarType ActivationDType => WidensWeights ? computeDType!.Value : DType;

    /// <summary>
    /// Sets the embedding, attention and residual dropout probability of every layer (a regulariser for training
    /// on small data; it has no effect in eval mode). The config's values are the defaults.
    /// </summary>
    public void SetDropout(double probability)
    {
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "dropout must be in [0, 1)");
        embeddingDropout = probability;
        foreach (var block in blocks)
        {
            block.ResidualDropout = probability;
            block.Attention.Dropout = probability;
        }
    }

    /// <summary>(B, T, C) hidden states → (B, T, vocab) logits, in <see cref="ActivationDType"/>.</summary>
    public Tensor Logits(Tensor hidden)
    {
        if (languageModelHead is not null)
        {
            var logits = languageModelHead.forward(hidden);
            return logits.dtype == ActivationDType ? logits : WithDType(logits, ActivationDType);
        }
        if (computeDType is not ScalarType compute || compute == DType) return nn.functional.linear(hidden, TokenEmbedding.weight);
        using var scope = NewDisposeScope();
        var head = frozenHead is not null && frozenHead.dtype == compute && !TokenEmbedding.weight.requires_grad
            ? frozenHead
            : TokenEmbedding.weight.to(compute);
        return nn.functional.linear(hidden.to(compute), head).to(ActivationDType).MoveToOuterDisposeScope();
    }

    // The tied output head (the token embedding) in the compute dtype while frozen copies are cached.
    Tensor? frozenHead;

    /// <summary>
    /// Keeps copies of the frozen projection weights (and the frozen tied output head) in <see cref="ComputeDType"/>
    /// until the handle is disposed, instead of casting them in every forward pass: with LoRA in bfloat16 mixed
    /// precision that cast reads every base weight and writes a fresh half-size copy each step. Trainable parameters
    /// are still cast per call, so their gradients flow. While the handle lives, frozen weights must not change (a
    /// frozen parameter that is made trainable again is cast per call). Costs the copies' memory: 2 bytes per frozen
    /// weight element for bfloat16.
    /// </summary>
    /// <example><code>
    /// model.ComputeDType = ScalarType.BFloat16;
    /// using var copies = model.CacheFrozenComputeCopies();   // for the length of a training run
    /// </code></example>
    public IDisposable CacheFrozenComputeCopies()
    {
        var projections = modules().OfType<Projection>().Distinct().ToList();
        foreach (var projection in projections) projection.CacheFrozenComputeCopies();
        frozenHead?.Dispose();
        frozenHead = null;
        if (languageModelHead is null && computeDType is ScalarType compute && compute != DType && !WidensWeights && !TokenEmbedding.weight.requires_grad)
        {
            using var noGrad = no_grad();
            frozenHead = TokenEmbedding.weight.to(compute).DetachFromDisposeScope();
        }
        return new FrozenComputeCopies(() =>
        {
            foreach (var projection in projections) projection.ReleaseFrozenComputeCopies();
            frozenHead?.Dispose();
            frozenHead = null;
        });
    }

    /// <summary>
    /// While the handle lives, a frozen tied output head that <see cref="WidensWeights"/> is upcast once and shared by
    /// every <see cref="Logits"/> call, instead of once per call: the chunked loss calls the head once per chunk of
    /// rows, and each upcast of a 128,256 × 2,048 embedding writes 1 GB. The copy is freed on dispose. A no-op for
    /// an untied head (a projection, upcast per call), a trainable embedding, or a model that does not widen.
    /// </summary>
    public IDisposable HoldWidenedHead()
    {
        if (languageModelHead is not null || !WidensWeights || TokenEmbedding.weight.requires_grad || frozenHead is not null)
            return new FrozenComputeCopies(() => { });
        using (no_grad()) frozenHead = TokenEmbedding.weight.to(computeDType!.Value).DetachFromDisposeScope();
        return new FrozenComputeCopies(() =>
        {
            frozenHead?.Dispose();
            frozenHead = null;
        });
    }

    /// <summary>
    /// Changes whenever the weights, or how the forward pass computes with them, may have changed. Inference keeps
    /// derived copies of the weights (<see cref="Generation.InferenceSession"/>: transposed, contiguous, in the compute
    /// dtype) for as long as this number stays the same, and refuses to run once it moves, so a copy is never served
    /// stale and nothing has to be told to drop one.
    /// </summary>
    /// <remarks>
    /// A counter rather than a comparison of the weights themselves: comparing would read every weight, which is what
    /// the copies exist to avoid, and libtorch's per-tensor version counters miss writes made straight to memory (the
    /// fused AdamW kernel's). Everything in the engine that writes parameters bumps it — optimizer updates, restoring
    /// checkpoint or best weights, loading weights or adapters, attaching and merging adapters, initialising, a new
    /// <see cref="ComputeDType"/> — and so does entering training mode, after which anything may change them. Code
    /// that writes parameters in place some other way calls <see cref="MarkWeightsChanged"/>.
    /// </remarks>
    public long WeightsVersion { get; private set; }

    /// <summary>Records that the weights changed (see <see cref="WeightsVersion"/>).</summary>
    public void MarkWeightsChanged() => WeightsVersion++;

    /// <summary>Training mode is where weights change: whatever was derived from them is stale from here on.</summary>
    public override void train(bool on = true)
    {
        if (on) MarkWeightsChanged();
        base.train(on);
    }

    sealed class FrozenComputeCopies(Action release) : IDisposable
    {
        bool released;

        public void Dispose()
        {
            if (released) return;
            released = true;
            release();
        }
    }

    static Tensor WithDType(Tensor tensor, ScalarType dtype)
    {
        using (tensor) return tensor.to(dtype);
    }

    /// <summary>Query i (at position past + i) may attend to keys 0 … past + i: causal, aligned bottom-right.</summary>
    static Tensor CausalMaskAfter(int past, long time, Device device) =>
        ones([time, past + time], ScalarType.Bool, device).tril(past);

    /// <summary>
    /// Initialises weights for training from scratch (GPT-2's scheme: N(0, 0.02); residual output projections
    /// scaled by 1/√(2·layers); zero biases; unit norms), from a seeded generator so runs are reproducible.
    /// </summary>
    public void InitializeWeights(long seed, double standardDeviation = 0.02)
    {
        MarkWeightsChanged();
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        double residualStd = standardDeviation / Math.Sqrt(2.0 * Config.LayerCount);
        TokenEmbedding.Initialize(standardDeviation, generator);
        positionEmbedding?.Initialize(standardDeviation / 2, generator);
        foreach (var block in blocks)
        {
            foreach (var projection in block.Attention.Projections.Concat(block.Mlp.Projections))
            {
                bool residual = projection == block.Attention.OutputProjection || projection == block.Mlp.DownProjection;
                projection.Initialize(residual ? residualStd : standardDeviation, generator);
            }
        }
        languageModelHead?.Initialize(standardDeviation, generator);
        foreach (var (name, parameter) in named_parameters())
        {
            if (IsNormParameter(name))
            {
                // Both through fill_, which returns the tensor itself: zero_() hands back a second native handle
                // (TorchSharp's zeros_out), freed only by its finalizer.
                parameter.FillInPlace(name.EndsWith(".bias") ? 0.0 : 1.0);
            }
        }
    }

    internal bool IsNormParameter(string parameterName)
    {
        var parts = parameterName.Split('.');
        return parts.Length >= 2 && parts[^2] is var module &&
               (module == names.AttentionNorm || module == names.MlpNorm || module == names.FinalNorm);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Randomness.Dispose();
        base.Dispose(disposing);
    }
}

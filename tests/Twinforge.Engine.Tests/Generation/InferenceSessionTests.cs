using TorchSharp;
using Twinforge.Engine.Checkpoints;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Models;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Generation;

/// <summary>
/// The inference session against the plain model: its cached, incremental steps (the decoding kernels, the copies of
/// GPT-2's Conv1D weights) give the full forward pass's logits, and it is never served stale: anything that changes
/// the weights makes it refuse to run, and its holders renew it. The plain forward pass never reads the session's
/// copies, so it is the oracle.
/// </summary>
[Collection("Torch")]
public sealed class InferenceSessionTests
{
    [Theory]
    [MemberData(nameof(TinyModels.AllConfigs), MemberType = typeof(TinyModels))]
    public void Incremental_decoding_with_a_cache_matches_the_full_forward_pass(string configName)
    {
        var config = TinyModels.ByName(configName);
        using var model = TinyModels.Create(config);
        var tokens = TinyModels.RandomTokens(12, config.VocabularySize, seed: 5);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0));

        // Prefill 5 tokens, then a chunk of 3 (masked after a non-empty cache), then one token at a time through the
        // matrix-vector and decoding-attention kernels.
        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: 16);
        var pieces = new List<Tensor>();
        foreach (var (start, length) in new[] { (0, 5), (5, 3), (8, 1), (9, 1), (10, 1), (11, 1) })
            pieces.Add(session.Forward(tensor(tokens[start..(start + length)]).unsqueeze(0)));
        using var incremental = cat(pieces, 1);

        Assert.Equal(12, session.Length);
        Assert.True(allclose(incremental, full, rtol: 1e-5, atol: 1e-5),
            $"max difference {(incremental - full).abs().max().item<float>()}");
        foreach (var piece in pieces) piece.Dispose();
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Bfloat16_decoding_through_the_decoding_kernels_matches_the_full_forward_pass(string family)
    {
        // Heads of 64 dimensions, as real models have, so the kernel's whole-vector loops run (the tiny configs'
        // 8-dimension heads take its scalar tails); the Llama shape has grouped-query heads.
        var config = family == "gpt2"
            ? TransformerConfig.Gpt2(vocabularySize: 61, hiddenSize: 128, layerCount: 2, headCount: 2, maxPositions: 32)
            : TransformerConfig.Llama(vocabularySize: 59, hiddenSize: 256, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
                intermediateSize: 256, maxPositions: 32, tieWordEmbeddings: false);
        using var model = TinyModels.Create(config, dtype: ScalarType.BFloat16);
        var tokens = TinyModels.RandomTokens(10, config.VocabularySize, seed: 9);
        using var noGrad = no_grad();
        using var full = model.forward(tensor(tokens).unsqueeze(0)).to(float32);

        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: 10);
        var pieces = new List<Tensor> { session.Forward(tensor(tokens[..4]).unsqueeze(0)) };
        for (int t = 4; t < tokens.Length; t++) pieces.Add(session.Forward(tensor(tokens[t..(t + 1)]).unsqueeze(0)));
        using var incremental = cat(pieces, 1).to(float32);

        // bf16 rounds every activation to 8 bits of mantissa; the two paths round in different places.
        double scale = full.abs().max().item<float>();
        Assert.True(allclose(incremental, full, rtol: 0, atol: 0.03 * scale),
            $"max difference {(incremental - full).abs().max().item<float>()} against logits up to {scale}");
        foreach (var piece in pieces) piece.Dispose();
    }

    static CausalLanguageModel Gpt2()
    {
        var model = new CausalLanguageModel(TransformerConfig.Gpt2(vocabularySize: 260, hiddenSize: 32, layerCount: 2, headCount: 4, maxPositions: 64));
        model.InitializeWeights(seed: 5);
        model.eval();
        return model;
    }

    static readonly long[] Tokens = [3, 14, 15, 92, 65, 35];

    /// <summary>The plain model's logits: it reads the weights themselves.</summary>
    static Tensor Truth(CausalLanguageModel model)
    {
        using var input = tensor(Tokens).unsqueeze(0);
        return model.forward(input).detach();
    }

    /// <summary>The session's logits for the same tokens, from a fresh start.</summary>
    static Tensor Decoded(InferenceSession session)
    {
        using var input = tensor(Tokens).unsqueeze(0);
        session.Start(batchSize: 1, capacity: Tokens.Length);
        return session.Forward(input);
    }

    /// <summary>Changes every Conv1D weight in place without telling the model, as a foreign optimizer step would (not uniformly: LayerNorm would undo that).</summary>
    static void Nudge(CausalLanguageModel model)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(17);
        foreach (var projection in model.NamedProjections().Select(entry => entry.Projection).Where(p => p.Layout == WeightLayout.InputsByOutputs))
        {
            using var step = randn(projection.weight.shape, generator: generator).mul_(0.1);
            projection.weight.add_(step);
        }
    }

    [Fact]
    public void The_decoding_copies_give_the_logits_of_the_weights_themselves()
    {
        using var model = Gpt2();
        using var reference = Truth(model);

        using var session = new InferenceSession(model);
        using var decoded = Decoded(session);

        Assert.True(allclose(reference, decoded, rtol: 1e-5, atol: 1e-6), $"max difference {(reference - decoded).abs().max().item<float>()}");
    }

    [Fact]
    public void A_session_refuses_to_run_after_anything_that_changes_weights_and_its_renewal_reads_the_new_ones()
    {
        using var model = Gpt2();
        InferenceSession? held = null;
        try
        {
            var session = InferenceSession.Current(ref held, model);
            Nudge(model);
            // Weights written in place behind the model's back are not seen: the copies are what the session reads.
            using (var stale = Decoded(session))
            using (var truth = Truth(model))
                Assert.False(allclose(stale, truth, rtol: 1e-3, atol: 1e-3));

            foreach (var change in new Action[]
                     {
                         () => { model.train(); model.eval(); },
                         () => model.InitializeWeights(seed: 9),
                         () => { LoraInjector.Apply(model, new LoraConfig { Rank = 2, TargetModules = ["c_attn"] }, seed: 1); LoraMerger.Merge(model); },
                         model.MarkWeightsChanged,
                     })
            {
                session = InferenceSession.Current(ref held, model);
                Nudge(model);
                change();

                Assert.False(session.IsCurrent);
                Assert.Throws<InvalidOperationException>(() => session.Start(batchSize: 1, capacity: Tokens.Length));
                var renewed = InferenceSession.Current(ref held, model);
                Assert.NotSame(session, renewed);
                using var afterChange = Decoded(renewed);
                using var truth = Truth(model);
                Assert.True(allclose(afterChange, truth, rtol: 1e-5, atol: 1e-6));
            }
        }
        finally
        {
            held?.Dispose();
        }
    }

    [Fact]
    public void Every_engine_path_that_writes_weights_moves_the_weights_version_and_eval_mode_does_not()
    {
        using var directory = new TemporaryDirectory();
        using var model = Gpt2();
        void Moves(Action change, string what)
        {
            long before = model.WeightsVersion;
            change();
            Assert.True(model.WeightsVersion > before, $"{what} left the weights version at {before}");
        }

        long atStart = model.WeightsVersion;
        model.eval();
        Assert.Equal(atStart, model.WeightsVersion);

        Moves(() => model.InitializeWeights(seed: 3), "initialising");
        Moves(() => model.train(), "entering training mode");
        model.eval();
        Moves(() => model.ComputeDType = ScalarType.BFloat16, "a new compute dtype");
        model.ComputeDType = null;
        HuggingFaceModelCheckpoint.Save(model, directory.Path);
        using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path))
            Moves(() => HuggingFaceModelCheckpoint.LoadWeights(model, checkpoint, directory.Path), "loading weights");
        var config = new LoraConfig { Rank = 2, TargetModules = ["c_attn"] };
        AdapterSet? adapters = null;
        Moves(() => adapters = LoraInjector.Apply(model, config, seed: 1), "attaching adapters");
        var adapterDirectory = System.IO.Path.Combine(directory.Path, "adapter");
        PeftAdapter.Save(adapters!, adapterDirectory);
        Moves(() => LoraMerger.Merge(model), "merging adapters");
        Moves(() => PeftAdapter.Load(model, adapterDirectory), "loading an adapter");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_generator_keeps_decoding_what_a_new_one_would_after_the_weights_change(bool batched)
    {
        var config = TinyModels.Llama() with { EosTokenIds = [] };
        using var model = TinyModels.Create(config);
        var prompt = TinyModels.RandomTokens(4, config.VocabularySize, seed: 21).Select(id => (int)id).ToList();
        var options = new GenerationOptions { MaxNewTokens = 10 };
        using var single = new TokenGenerator(model);
        using var batch = new BatchTokenGenerator(model);
        IReadOnlyList<int> Generate(TokenGenerator one, BatchTokenGenerator many) =>
            batched ? many.Generate([prompt], options)[0] : one.Generate(prompt, options).ToList();

        var before = Generate(single, batch);
        Assert.Equal(before, Generate(single, batch)); // the session kept from the first generation serves the second
        model.InitializeWeights(seed: 4);
        var after = Generate(single, batch);

        using var freshSingle = new TokenGenerator(model);
        using var freshBatch = new BatchTokenGenerator(model);
        Assert.Equal(Generate(freshSingle, freshBatch), after);
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void A_second_generation_while_one_is_being_enumerated_is_refused()
    {
        using var model = TinyModels.Create(TinyModels.Gpt2() with { EosTokenIds = [] });
        using var generator = new TokenGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 6 };
        var alone = generator.Generate([1, 2, 3], options).ToList();

        using (var first = generator.Generate([1, 2, 3], options).GetEnumerator())
        {
            Assert.True(first.MoveNext());
            Assert.Throws<InvalidOperationException>(() => generator.Generate([4, 5], options).GetEnumerator().MoveNext());
            var rest = new List<int> { first.Current };
            while (first.MoveNext()) rest.Add(first.Current);
            Assert.Equal(alone, rest); // the refused one did not touch the cache
        }
        Assert.Equal(alone, generator.Generate([1, 2, 3], options).ToList());
    }

    [Fact]
    public void A_session_runs_only_in_eval_mode_and_for_the_streams_it_was_started_with()
    {
        using var model = Gpt2();
        using var session = new InferenceSession(model);
        using var input = tensor(Tokens).unsqueeze(0);
        Assert.Throws<InvalidOperationException>(() => session.Forward(input)); // not started
        session.Start(batchSize: 2, capacity: 8);
        Assert.Throws<ArgumentException>(() => session.Forward(input));

        model.train();
        using var madeInTraining = new InferenceSession(model);
        madeInTraining.Start(batchSize: 1, capacity: 8);
        var error = Assert.Throws<InvalidOperationException>(() => madeInTraining.Forward(input));
        Assert.Contains("eval mode", error.Message);
    }

    [Fact]
    public void Decoding_steps_leave_no_tensor_alive()
    {
        using var model = TinyModels.Create(TinyModels.Llama());
        using var session = new InferenceSession(model);
        session.Start(batchSize: 1, capacity: 24);
        void Step(long token)
        {
            using var scope = NewDisposeScope();
            session.Forward(tensor(new[] { token }).unsqueeze(0), lastPositionOnly: true);
        }
        Step(1); // the first step may allocate what later steps reuse
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 8; i++) Step(i + 2);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}

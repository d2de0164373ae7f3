using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Serving;
using Twinforge.Engine.Tests.Lora;
using Twinforge.Engine.Tests.Models;
using static TorchSharp.torch;

namespace Twinforge.Engine.Tests.Serving;

[Collection("Torch")]
public sealed class AdapterCacheTests
{
    static readonly (string, int, bool)[] Twins = [("ada", 4, false), ("bo", 4, false), ("cy", 4, false), ("di", 4, false)];

    [Fact]
    public void Detached_weights_hold_the_saved_factors_and_know_their_bytes()
    {
        using var fixture = new ServingFixture(TinyModels.Gpt2(), ScalarType.Float32, Twins);
        using var weights = AdapterWeights.Load(fixture.Model, fixture.AdapterDirectory("ada"), ScalarType.BFloat16);
        var attached = PeftAdapter.Load(fixture.Model, fixture.AdapterDirectory("ada"));
        try
        {
            Assert.Equal(attached.Modules.Count, weights.Factors.Count);
            foreach (var module in attached.Modules)
            {
                var factors = weights.For(module.Projection)!;
                Assert.Equal(ScalarType.BFloat16, factors.A.dtype);
                Assert.True(LoraTestModels.BitwiseEqual(module.Adapter.A.to(ScalarType.BFloat16), factors.A));
                Assert.True(LoraTestModels.BitwiseEqual(module.Adapter.B.to(ScalarType.BFloat16), factors.BTransposed.t()));
                Assert.Equal(module.Adapter.Scaling, factors.Scaling);
            }
            Assert.Equal(attached.ParameterCount * 2, weights.Bytes);
        }
        finally
        {
            foreach (var module in attached.Modules) module.Projection.DetachAdapter()?.Dispose();
        }
        Assert.False(fixture.Model.HasAdapters);
    }

    [Fact]
    public void A_forgotten_adapter_leaves_the_cache_at_once_and_is_disposed_when_its_last_lease_ends()
    {
        using var fixture = new ServingFixture(TinyModels.Gpt2(), ScalarType.Float32, Twins);
        long one = BytesOfOne(fixture);
        using var cache = fixture.Cache();
        cache.Acquire("ada").Dispose();
        var running = cache.Acquire("bo"); // a stream still reads bo's factors

        Assert.Equal(2, cache.Forget(key => key is "ada" or "bo"));

        Assert.Empty(cache.LoadedKeys);
        Assert.Equal(0, cache.Bytes);
        Assert.False(running.Weights.Factors.Values.First().A.IsInvalid); // not freed under the running stream
        running.Dispose();
        Assert.True(running.Weights.Factors.Values.First().A.IsInvalid); // freed with its last lease
        cache.Acquire("bo").Dispose(); // a later request loads it afresh
        Assert.Equal(3, cache.Loads);
        Assert.Equal(one, cache.Bytes);
    }

    [Fact]
    public void Least_recently_used_adapters_are_evicted_past_the_bound()
    {
        using var fixture = new ServingFixture(TinyModels.Gpt2(), ScalarType.Float32, Twins);
        long one = BytesOfOne(fixture);
        using var cache = fixture.Cache(capacityBytes: 2 * one);

        cache.Acquire("ada").Dispose();
        cache.Acquire("bo").Dispose();
        cache.Acquire("ada").Dispose(); // ada is now the most recent
        cache.Acquire("cy").Dispose();

        Assert.Equal(["ada", "cy"], cache.LoadedKeys);
        Assert.Equal(2 * one, cache.Bytes);
        Assert.Equal(3, cache.Loads);
        cache.Acquire("ada").Dispose();
        Assert.Equal(3, cache.Loads); // a hit
    }

    [Fact]
    public void A_leased_adapter_is_never_evicted_and_the_bound_returns_when_leases_end()
    {
        using var fixture = new ServingFixture(TinyModels.Gpt2(), ScalarType.Float32, Twins);
        long one = BytesOfOne(fixture);
        using var cache = fixture.Cache(capacityBytes: one);

        var ada = cache.Acquire("ada");
        var bo = cache.Acquire("bo");
        Assert.Equal(["ada", "bo"], cache.LoadedKeys); // over the bound: both are in use
        Assert.Equal(2 * one, cache.Bytes);
        Assert.False(ada.Weights.Factors.Values.First().A.IsInvalid);

        ada.Dispose();
        Assert.Equal(["bo"], cache.LoadedKeys);
        Assert.True(ada.Weights.Factors.Values.First().A.IsInvalid); // disposed with its eviction
        bo.Dispose();
        Assert.Equal(["bo"], cache.LoadedKeys);
        Assert.Equal(one, cache.Bytes);
    }

    [Fact]
    public void A_failed_load_is_not_cached()
    {
        using var fixture = new ServingFixture(TinyModels.Gpt2(), ScalarType.Float32, Twins);
        using var cache = new AdapterCache(long.MaxValue, twin => AdapterWeights.Load(fixture.Model, Path.Combine(fixture.AdapterDirectory("ada"), twin), ScalarType.Float32));
        Assert.Throws<InputFileException>(() => cache.Acquire("missing"));
        Assert.Empty(cache.LoadedKeys);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Eviction_under_a_memory_limit_while_requests_run_keeps_every_stream_exact()
    {
        using var fixture = new ServingFixture(TinyModels.Llama(), ScalarType.Float32, Twins);
        long one = BytesOfOne(fixture);
        int vocabulary = fixture.Model.Config.VocabularySize;
        using var cache = fixture.Cache(capacityBytes: 2 * one);
        using var batcher = new ContinuousBatcher(fixture.Model, new BatcherOptions { PrefillChunkTokens = 4, StepTokenBudget = 9 });
        var options = new GenerationOptions { MaxNewTokens = 25 };
        var twins = new[] { "ada", "bo", "cy", "di", "ada", "cy" };
        var prompts = twins.Select((_, i) => ServingFixture.Prompt(3 + i, vocabulary, 80 + i)).ToList();

        // Four adapters in a cache for two: the first four run together (all pinned, the cache over its bound); the
        // last two ask again for adapters that may have been evicted in between and are loaded again.
        var streams = twins.Take(4).Select((twin, i) => batcher.Submit(prompts[i], options, cache.Acquire(twin))).ToList();
        Assert.Equal(4 * one, cache.Bytes);
        var outputs = streams.Select(stream => stream.ReadAll()).ToList();
        Assert.InRange(cache.Bytes, 0, 2 * one); // every lease ended: back within the bound
        streams.AddRange(twins.Skip(4).Select((twin, i) => batcher.Submit(prompts[4 + i], options, cache.Acquire(twin))));
        outputs.AddRange(streams.Skip(4).Select(stream => stream.ReadAll()));

        for (int i = 0; i < twins.Length; i++) Assert.Equal(fixture.Solo(twins[i], prompts[i], options), outputs[i]);
        Assert.True(cache.Loads > 4, "an evicted adapter was loaded again");
        Assert.InRange(cache.Bytes, 0, 2 * one);
    }

    static long BytesOfOne(ServingFixture fixture)
    {
        using var weights = AdapterWeights.Load(fixture.Model, fixture.AdapterDirectory("ada"), fixture.Model.DType);
        return weights.Bytes;
    }
}

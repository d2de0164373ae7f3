using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Lora;
using Twinforge.Engine.Tokenization;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Records;
using Twinforge.Twins.Serving;

namespace Twinforge.Twins.Tests.Serving;

/// <summary>Model names resolved among a caller's creators, and the resolved models answering chats.</summary>
[Collection("Torch")]
public sealed class ServingTests
{
    static readonly ChatMessage[] Question = [new(ChatRole.User, "spring question 3?")];
    static readonly GenerationOptions Greedy = new() { MaxNewTokens = 12 };
    // Compared token for token with the engine's float32 answers: the same dtype on every machine.
    static readonly ServingOptions Float32 = new() { WeightsDType = TorchSharp.torch.ScalarType.Float32 };

    [Fact]
    public void A_twin_resolves_to_its_latest_success_a_version_an_alias_and_a_base_by_name()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        var v2 = bench.Lifecycle.Update(v1.Version.TwinId, 1, bench.Data(ana, "summer", 30), new UpdatePolicy());
        bench.Lifecycle.Promote(v1.Version.TwinId, 1, "production");
        var resolver = new ModelResolver(bench.Registry);

        Assert.Equal("ana/ana-style@2", resolver.Resolve("ana-style", [ana]).Id);
        Assert.Equal(v1.Version.Id, resolver.Resolve("ana-style@1", [ana]).Version!.Id);
        Assert.Equal(v1.Version.Id, resolver.Resolve("ana-style@production", [ana]).Version!.Id);
        Assert.Equal(v2.Version.Id, resolver.Resolve("ana/ana-style@2", [ana]).Version!.Id);
        var baseModel = resolver.Resolve(bench.BaseModel.Name, [ana]);
        Assert.Null(baseModel.Version);
        Assert.Equal(bench.BaseModel.Id, baseModel.Base.Id);
        Assert.Contains("no version 3", Assert.Throws<UnknownModelException>(() => resolver.Resolve("ana-style@3", [ana])).Why);
        Assert.Contains("no alias", Assert.Throws<UnknownModelException>(() => resolver.Resolve("ana-style@staging", [ana])).Why);
    }

    /// <summary>Two creators, each with a twin named "style" on the workbench's base.</summary>
    static (Creator Ana, Creator Bo) TwoCreatorsWithTwinsNamedStyle(TwinWorkbench bench)
    {
        var ana = bench.Creator("ana");
        var bo = bench.Creator("bo");
        bench.Lifecycle.CreateTwin(ana.Id, "style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        bench.Lifecycle.CreateTwin(bo.Id, "style", bench.BaseModel, bench.Data(bo, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        return (ana, bo);
    }

    [Fact]
    public void Another_callers_twins_are_unknown_and_shared_names_need_the_creator()
    {
        using var bench = new TwinWorkbench();
        var (ana, bo) = TwoCreatorsWithTwinsNamedStyle(bench);
        var resolver = new ModelResolver(bench.Registry);

        Assert.Equal("no such twin or base model", Assert.Throws<UnknownModelException>(() => resolver.Resolve("bo/style", [ana])).Why);
        Assert.Equal("ana/style@1", resolver.Resolve("style", [ana]).Id);
        Assert.Contains("share this name", Assert.Throws<UnknownModelException>(() => resolver.Resolve("style", [ana, bo])).Why);
        Assert.Equal("bo/style@1", resolver.Resolve("bo/style", [ana, bo]).Id);
    }

    [Fact]
    public void A_twin_erased_by_a_withdrawal_leaves_its_name_to_the_other_creators_twin()
    {
        using var bench = new TwinWorkbench();
        var (ana, bo) = TwoCreatorsWithTwinsNamedStyle(bench);
        var resolver = new ModelResolver(bench.Registry);

        bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "the creator asked");

        Assert.Equal("bo/style@1", resolver.Resolve("style", [ana, bo]).Id);
        Assert.Equal("bo/style@1", resolver.Resolve("style@1", [ana, bo]).Id);
        Assert.Throws<UnknownModelException>(() => resolver.Resolve("ana/style", [ana, bo]));
    }

    [Fact]
    public void A_served_twin_answers_as_its_base_with_its_adapter_streamed_or_whole_with_usage()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var v1 = bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        using var served = new ServedModels(bench.Registry, bench.Store, Path.Combine(bench.Root, "served"), Float32);
        var model = new ModelResolver(bench.Registry).Resolve("ana-style", [ana]);

        var reply = served.Chat(model, Question, Greedy);
        GenerationResult? streamedResult = null;
        var streamed = string.Concat(served.StreamChat(model, Question, Greedy, result => streamedResult = result).Select(piece => piece.Text));

        string expected;
        using (var reference = PretrainedModel.Load(bench.BaseModel.Path!))
        {
            var adapter = Path.Combine(bench.Root, "adapter");
            bench.Store.ExtractDirectory(v1.Version.Artifacts.Single(a => a.Kind == ArtifactReference.Adapter).ContentHash, adapter);
            PeftAdapter.Load(reference.Network, adapter);
            expected = reference.Chat(Question, Greedy).Text;
        }
        Assert.Equal(expected, reply.Text);
        Assert.Equal(reply.Text, streamed);
        Assert.Equal(reply.TokenIds.Count, streamedResult!.TokenIds.Count);
        Assert.True(reply.PromptTokenCount > Question[0].Content.Length); // bytes of the question plus the chat markup
        using var baseOnly = PretrainedModel.Load(bench.BaseModel.Path!);
        Assert.Equal(baseOnly.Chat(Question, Greedy).Text, served.Chat(new ModelResolver(bench.Registry).Resolve(bench.BaseModel.Name, [ana]), Question, Greedy).Text);
        // Disposed, it refuses new requests: it would load models that nobody disposes.
        served.Dispose();
        Assert.Throws<ObjectDisposedException>(() => served.Chat(model, Question, Greedy));
    }

    [Fact]
    public async Task Twins_of_one_base_answer_together_in_one_batch_each_as_it_answers_alone()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        var bo = bench.Creator("bo");
        bench.Lifecycle.CreateTwin(ana.Id, "style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        bench.Lifecycle.CreateTwin(bo.Id, "style", bench.BaseModel, bench.Data(bo, "summer", 30), heldOut: null, TwinWorkbench.Recipe);
        var resolver = new ModelResolver(bench.Registry);
        var models = new[] { resolver.Resolve("ana/style", [ana, bo]), resolver.Resolve("bo/style", [ana, bo]), resolver.Resolve(bench.BaseModel.Name, [ana]) };
        // One model loaded at most: both twins and the bare base are served by the one base, adapters beside it.
        using var served = new ServedModels(bench.Registry, bench.Store, Path.Combine(bench.Root, "served"), Float32 with { LoadedModels = 1 });
        var alone = models.Select(model => served.Chat(model, Question, Greedy).Text).ToList();

        var together = models.Select(model => Task.Run(() => served.Chat(model, Question, Greedy).Text)).ToArray();

        Assert.Equal(alone, await Task.WhenAll(together));
        Assert.NotEqual(alone[0], alone[1]); // the two adapters make different twins of the same base
    }

    [Fact]
    public void Log_probabilities_come_with_each_token_when_asked_for_the_greedy_choice_the_most_likely()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        using var served = new ServedModels(bench.Registry, bench.Store, Path.Combine(bench.Root, "served"));
        var model = new ModelResolver(bench.Registry).Resolve("ana-style", [ana]);

        GenerationResult? result = null;
        var pieces = served.StreamChat(model, Question, Greedy with { TopLogprobs = 3 }, finished => result = finished).ToList();
        var tokens = pieces.SelectMany(piece => piece.Tokens).ToList();

        Assert.Equal(result!.TokenIds.Count, tokens.Count);
        Assert.All(tokens, token =>
        {
            Assert.InRange(token.Logprob, float.MinValue, 0f);
            Assert.Equal(3, token.TopLogprobs.Count);
            Assert.Equal(token.TopLogprobs[0].Logprob, token.Logprob, 1e-5f); // greedy: the chosen token is the most likely
            Assert.True(token.TopLogprobs[0].Logprob >= token.TopLogprobs[1].Logprob && token.TopLogprobs[1].Logprob >= token.TopLogprobs[2].Logprob);
        });
        Assert.All(served.StreamChat(model, Question, Greedy, _ => { }), piece => Assert.Empty(piece.Tokens));
    }

    [Fact]
    public void After_consent_is_withdrawn_the_twin_is_unknown_and_its_unpacked_adapter_is_deleted()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
        var cache = Path.Combine(bench.Root, "served");
        using var served = new ServedModels(bench.Registry, bench.Store, cache);
        var resolver = new ModelResolver(bench.Registry);
        served.Chat(resolver.Resolve("ana-style", [ana]), Question, Greedy);
        Assert.NotEmpty(Directory.EnumerateDirectories(cache));

        bench.Lifecycle.WithdrawConsent(ana.Id, ConsentScopes.Text, "the creator asked");
        served.ForgetErased();

        Assert.Empty(Directory.EnumerateDirectories(cache));
        Assert.Throws<UnknownModelException>(() => resolver.Resolve("ana-style", [ana]));
    }
}

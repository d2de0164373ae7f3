using Microsoft.Extensions.AI;
using Twinforge.Engine.Generation;
using Twinforge.Twins.Serving;
using EngineChatMessage = Twinforge.Engine.Tokenization.ChatMessage;
using EngineChatRole = Twinforge.Engine.Tokenization.ChatRole;

namespace Twinforge.Twins.Tests.Serving;

/// <summary>A twin through Microsoft.Extensions.AI's IChatClient, in process, over the same batched serving as the service.</summary>
[Collection("Torch")]
public sealed class TwinChatClientTests
{
    static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 12 };

    [Fact]
    public async Task A_twin_answers_through_IChatClient_whole_and_streamed_as_it_is_served_with_usage()
    {
        using var ana = new AnaTwin();
        var (served, model, twin) = (ana.Served, ana.Model, ana.Client);
        var expected = served.Chat(model, [new EngineChatMessage(EngineChatRole.User, "spring question 3?")], new GenerationOptions { MaxNewTokens = 12 });

        var response = await twin.GetResponseAsync("spring question 3?", Greedy);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in twin.GetStreamingResponseAsync("spring question 3?", Greedy)) updates.Add(update);

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(model.Id, response.ModelId);
        Assert.Equal(expected.PromptTokenCount, response.Usage!.InputTokenCount);
        Assert.Equal(expected.TokenIds.Count, response.Usage.OutputTokenCount);
        Assert.Equal(expected.StopReason == StopReason.MaxNewTokens ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(expected.Text, string.Concat(updates.Select(update => update.Text)));
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        Assert.Equal(expected.TokenIds.Count, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
        Assert.Same(model, twin.GetService<ResolvedModel>());
        Assert.Equal(model.Id, twin.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public async Task The_readme_snippet_runs_and_the_readme_shows_it()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        bench.Lifecycle.CreateTwin(ana.Id, "ana-style", bench.BaseModel, bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);

        var reply = await ReadmeTwinChatClientExample.AskAsync(Path.Combine(bench.Root, "registry.db"), Path.Combine(bench.Root, "artifacts"),
            Path.Combine(bench.Root, "served"));

        Assert.EndsWith("/ana-style@1", reply.ModelId);
        Assert.InRange(reply.Usage!.OutputTokenCount!.Value, 1, 60);
        var source = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "Twinforge.Twins.Tests", "Serving", "ReadmeTwinChatClientExample.cs"));
        var snippet = source.Split("// readme:begin\n")[1].Split("// readme:end")[0];
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        foreach (var line in snippet.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0))
            Assert.True(readme.Contains(line, StringComparison.Ordinal), $"README.md no longer shows: {line}");
    }

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Twinforge.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException("no Twinforge.slnx above the test's directory");
    }

    [Fact]
    public async Task Tools_and_tool_messages_are_refused_by_name()
    {
        using var bench = new TwinWorkbench();
        var ana = bench.Creator("ana");
        using var served = new ServedModels(bench.Registry, bench.Store, Path.Combine(bench.Root, "served"));
        IChatClient twin = new TwinChatClient(served, new ModelResolver(bench.Registry).Resolve(bench.BaseModel.Name, [ana]));

        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 42, "answer")] };
        Assert.Contains("Tools", (await Assert.ThrowsAsync<NotSupportedException>(() => twin.GetResponseAsync("hi", tools))).Message);
        Assert.Contains("tool", (await Assert.ThrowsAsync<NotSupportedException>(() =>
            twin.GetResponseAsync([new ChatMessage(ChatRole.Tool, "42")], Greedy))).Message);
        // An image beside the text would be left out without a word: refused, naming what it is.
        var picture = new ChatMessage(ChatRole.User, [new TextContent("what is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")]);
        Assert.Contains("DataContent (image/png)", (await Assert.ThrowsAsync<NotSupportedException>(() => twin.GetResponseAsync([picture], Greedy))).Message);
    }

    /// <summary>
    /// What code written for Microsoft.Extensions.AI sets is honoured or refused, never dropped: its system prompt in
    /// Instructions answers as a system message would, and a ModelId of another model is refused.
    /// </summary>
    [Fact]
    public async Task Instructions_are_the_system_message_and_a_model_id_of_another_model_is_refused()
    {
        using var ana = new AnaTwin();
        var (bench, served, model, twin) = (ana.Bench, ana.Served, ana.Model, ana.Client);
        const string instructions = "Answer as a lighthouse keeper.";

        var instructed = await twin.GetResponseAsync("spring question 3?", new ChatOptions { Temperature = 0, MaxOutputTokens = 12, Instructions = instructions });
        var asSystem = await twin.GetResponseAsync([new ChatMessage(ChatRole.System, instructions), new ChatMessage(ChatRole.User, "spring question 3?")], Greedy);
        var bare = await twin.GetResponseAsync("spring question 3?", Greedy);

        Assert.Equal(asSystem.Usage!.InputTokenCount, instructed.Usage!.InputTokenCount);
        Assert.Equal(asSystem.Text, instructed.Text);
        Assert.True(instructed.Usage.InputTokenCount > bare.Usage!.InputTokenCount, "the instructions are in the prompt");
        Assert.False(string.IsNullOrEmpty(instructed.ResponseId));
        Assert.Equal(instructed.ResponseId, instructed.Messages.Single().MessageId);

        foreach (var same in new[] { model.Id, "ana-style", "ana/ana-style", "ana-style@1", "ana-style@production" })
            Assert.Equal(bare.Text, (await twin.GetResponseAsync("spring question 3?", new ChatOptions { Temperature = 0, MaxOutputTokens = 12, ModelId = same })).Text);
        foreach (var other in new[] { "bo-style", "bo/ana-style", "ana-style@7", bench.BaseModel.Name })
            Assert.Contains($"ChatOptions.ModelId '{other}' names another model than this client's, {model.Id}",
                (await Assert.ThrowsAsync<ArgumentException>(() => twin.GetResponseAsync("hi", new ChatOptions { ModelId = other }))).Message);
    }

    /// <summary>Ana's twin trained on the workbench, served, and a chat client for it.</summary>
    sealed class AnaTwin : IDisposable
    {
        public TwinWorkbench Bench { get; } = new();
        public ServedModels Served { get; }
        public ResolvedModel Model { get; }
        public IChatClient Client { get; }

        public AnaTwin()
        {
            var ana = Bench.Creator("ana");
            Bench.Lifecycle.CreateTwin(ana.Id, "ana-style", Bench.BaseModel, Bench.Data(ana, "spring", 30), heldOut: null, TwinWorkbench.Recipe);
            Served = new ServedModels(Bench.Registry, Bench.Store, Path.Combine(Bench.Root, "served"));
            Model = new ModelResolver(Bench.Registry).Resolve("ana-style", [ana]);
            Client = new TwinChatClient(Served, Model);
        }

        public void Dispose()
        {
            Served.Dispose();
            Bench.Dispose();
        }
    }
}

using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using Twinforge.Engine.Generation;
using Twinforge.Registry.Records;
using Twinforge.Service.Completions;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Tests;

/// <summary>
/// What the service does around a generation, with a stand-in for the engine (<see cref="ChatStreamSource"/>) that
/// writes pieces until told to stop: a client that leaves stops it, a second request waits for a turn, and one beyond
/// the queue is refused at once.
/// </summary>
public sealed class GenerationLifecycleTests : IDisposable
{
    readonly EndlessGeneration engine = new();
    readonly ServiceFactory service;

    public GenerationLifecycleTests()
    {
        service = new ServiceFactory(new Dictionary<string, string?>
        {
            ["Twinforge:Completions:MaxConcurrentGenerations"] = "1",
            ["Twinforge:Completions:MaxWaitingRequests"] = "1",
        })
        {
            TestServices = services => services.AddSingleton<ChatStreamSource>(engine.Stream),
        };
        // A base the stand-in answers for: resolution reads the registry, the engine is never loaded.
        service.Services.GetRequiredService<ServiceStorage>().Registry.CreateBaseModel(new NewBaseModel("stand-in", "/nonexistent", new string('0', 64), "none", 1));
    }

    [Fact]
    public async Task A_client_that_leaves_a_stream_stops_its_generation_and_frees_the_turn()
    {
        var (_, key) = await service.Organisation();
        var chat = service.Sdk(key).GetChatClient("stand-in");

        int read = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            if (update.ContentUpdate.Count > 0 && ++read == 3) break; // leaves: the SDK disposes the response

        Assert.True(await engine.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10)) > 0, "the generation was stopped");
        engine.Reset(finishAfter: 2);
        ChatCompletion next = await chat.CompleteChatAsync([new UserChatMessage("hi again")]);
        Assert.Equal("xx", next.Content[0].Text);
    }

    [Fact]
    public async Task A_client_that_leaves_a_whole_completion_stops_its_generation()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);
        using var leave = new CancellationTokenSource();

        var request = client.PostAsJsonAsync("/v1/chat/completions", new { model = "stand-in", messages = new[] { new { role = "user", content = "hi" } } }, leave.Token);
        await engine.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        leave.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        Assert.True(await engine.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10)) > 0);
    }

    [Fact]
    public async Task Requests_wait_for_a_turn_and_one_beyond_the_queue_is_503()
    {
        var (_, key) = await service.Organisation();
        using var client = service.Client(key);
        var ask = new { model = "stand-in", messages = new[] { new { role = "user", content = "hi" } } };

        var first = client.PostAsJsonAsync("/v1/chat/completions", ask);          // generating
        await engine.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = client.PostAsJsonAsync("/v1/chat/completions", ask);         // waiting: the queue holds one
        await Task.Delay(200);
        var third = await ServiceFactory.Error(await client.PostAsJsonAsync("/v1/chat/completions", ask), 503);

        Assert.Equal("server_overloaded", third.GetProperty("code").GetString());
        Assert.False(second.IsCompleted);
        engine.Reset(finishAfter: 1);                                              // the first ends; the second gets its turn
        await ServiceFactory.Json(await first);
        var answered = await ServiceFactory.Json(await second);
        Assert.Equal("x", answered.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    public void Dispose()
    {
        engine.Reset(finishAfter: 0);
        service.Dispose();
    }

    /// <summary>Writes "x" every few milliseconds until it has written <c>finishAfter</c> pieces (by default never), or is disposed.</summary>
    sealed class EndlessGeneration
    {
        volatile int finishAfter = int.MaxValue;

        public TaskCompletionSource Started { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes with the number of pieces written when a generation's enumeration is disposed before it finished.</summary>
        public TaskCompletionSource<int> Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Reset(int finishAfter)
        {
            this.finishAfter = finishAfter;
            Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public IEnumerable<Twins.Serving.ServedPiece> Stream(Twins.Serving.ResolvedModel model, IReadOnlyList<Engine.Tokenization.ChatMessage> messages,
            GenerationOptions options, Action<GenerationResult> finished, CancellationToken cancellationToken)
        {
            int written = 0;
            bool completed = false;
            Started.TrySetResult();
            try
            {
                while (written < finishAfter)
                {
                    Thread.Sleep(5);
                    written++;
                    yield return new Twins.Serving.ServedPiece("x", []);
                }
                completed = true;
                finished(new GenerationResult(new string('x', written), Enumerable.Repeat(120, written).ToList(), StopReason.EndOfSequence, 3));
            }
            finally
            {
                if (!completed) Stopped.TrySetResult(written);
            }
        }
    }
}

using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Tokenization;
using Twinforge.Service.Errors;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// The engine call a chat generation runs, piece by piece, calling <c>finished</c> with the whole result at the end,
/// and stopping when <c>cancellationToken</c> fires or the enumeration is disposed: by default
/// <see cref="ServedModels.StreamChat"/>, which decodes each request in its base's continuous batch. A seam, so that
/// tests can stand in for the engine without the HTTP side changing.
/// </summary>
public delegate IEnumerable<ServedPiece> ChatStreamSource(ResolvedModel model, IReadOnlyList<ChatMessage> messages, GenerationOptions options,
    Action<GenerationResult> finished, CancellationToken cancellationToken);

/// <summary>
/// As <see cref="ChatStreamSource"/>, for a text completion: continues the prompt as plain text, without the chat
/// format; by default <see cref="ServedModels.StreamCompletion"/>.
/// </summary>
public delegate IEnumerable<ServedPiece> TextStreamSource(ResolvedModel model, string prompt, GenerationOptions options,
    Action<GenerationResult> finished, CancellationToken cancellationToken);

/// <summary>
/// Runs generations — of chat and text completions alike — off the request threads: each reads its pieces from the
/// engine on a thread of its own (the engine's calls block), while the request awaits them through a channel; the
/// decoding itself happens in the base's batch.
/// At most <see cref="CompletionOptions.MaxConcurrentGenerations"/> run at once; the others wait asynchronously (no
/// thread held) and give up when their client leaves; beyond <see cref="CompletionOptions.MaxWaitingRequests"/>
/// waiting, a request is refused at once with 503.
/// </summary>
public sealed class CompletionGenerations(ChatStreamSource chat, TextStreamSource text, IOptions<CompletionOptions> options, CompletionMetrics metrics,
    ILogger<CompletionGenerations> logger)
{
    // Never disposed: a generation still running at shutdown releases its turn when it ends.
    readonly SemaphoreSlim turns = new(options.Value.MaxConcurrentGenerations, options.Value.MaxConcurrentGenerations);
    int inFlight;

    /// <summary>
    /// Waits for a turn, then starts generating on a dedicated thread. <paramref name="cancellationToken"/> (the
    /// request's) abandons the wait, or stops the generation at its next piece, as disposing the returned generation
    /// does (register it for disposal with the request): the engine's enumeration is disposed, which frees the model
    /// for the next request.
    /// </summary>
    public async Task<CompletionGeneration> StartAsync(ResolvedModel model, CompletionPrompt prompt, GenerationOptions generation, bool stream,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (Interlocked.Increment(ref inFlight) > limits.MaxConcurrentGenerations + limits.MaxWaitingRequests)
        {
            Interlocked.Decrement(ref inFlight);
            throw new ApiException(StatusCodes.Status503ServiceUnavailable,
                $"The service is answering {limits.MaxConcurrentGenerations} and queueing {limits.MaxWaitingRequests} completions, its configured most; try again shortly.",
                ApiErrorTypes.Server, code: "server_overloaded");
        }
        var queued = Stopwatch.GetTimestamp();
        try
        {
            await turns.WaitAsync(cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref inFlight);
            throw;
        }
        metrics.Waited(Stopwatch.GetElapsedTime(queued));
        var run = new CompletionGeneration(stream, cancellationToken);
        var thread = new Thread(() => Generate(run, model, prompt, generation, run.Stopping))
        {
            IsBackground = true,
            Name = "twinforge-generation",
        };
        try
        {
            thread.Start();
        }
        catch
        {
            Release();
            throw;
        }
        return run;
    }

    void Generate(CompletionGeneration run, ResolvedModel model, CompletionPrompt prompt, GenerationOptions generation, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        GenerationResult? result = null;
        bool first = true;
        string outcome = "failed";
        try
        {
            void Finished(GenerationResult finished) => result = finished;
            var pieces = prompt switch
            {
                CompletionPrompt.Chat conversation => chat(model, conversation.Messages, generation, Finished, cancellationToken),
                CompletionPrompt.Text plain => text(model, plain.Value, generation, Finished, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(prompt), prompt, "a prompt is a chat or a text"),
            };
            foreach (var piece in pieces)
            {
                if (first && piece.Text.Length > 0)
                {
                    metrics.FirstPiece(Stopwatch.GetElapsedTime(started), run.Stream);
                    first = false;
                }
                run.Write(piece);
                // The client left: leaving the loop disposes the engine's enumeration, which ends the generation.
                if (cancellationToken.IsCancellationRequested) break;
            }
            if (cancellationToken.IsCancellationRequested || result is null)
            {
                outcome = "cancelled";
                run.Fail(new OperationCanceledException("the client left before the completion was generated", cancellationToken));
            }
            else
            {
                outcome = "completed";
                run.Complete(result);
            }
        }
        catch (Exception e)
        {
            outcome = cancellationToken.IsCancellationRequested ? "cancelled" : e is Engine.BadInputException ? "refused" : "failed";
            run.Fail(e);
        }
        finally
        {
            Release();
            Report(outcome, result, run.Stream, model, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Metrics and a log line; nothing may escape a generation's own thread (it would end the process), even at shutdown.</summary>
    void Report(string outcome, GenerationResult? result, bool stream, ResolvedModel model, TimeSpan elapsed)
    {
        try
        {
            metrics.Finished(outcome, result is null ? null : FinishReasons.Of(result.StopReason), stream, model.Version is not null,
                elapsed, result?.PromptTokenCount, result?.TokenIds.Count);
            if (outcome == "cancelled") logger.LogInformation("a completion of {Model} stopped: its client left", model.Id);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping.
        }
    }

    void Release()
    {
        turns.Release();
        Interlocked.Decrement(ref inFlight);
    }
}

/// <summary>
/// One generation as the request sees it: the pieces as they are generated, then the whole result. The pieces
/// channel is unbounded on purpose: pieces are a few bytes each and a request's count is bounded by its token limit,
/// so a slow reader never holds the model (and the requests waiting for it) back.
/// </summary>
public sealed class CompletionGeneration : IDisposable
{
    readonly Channel<ServedPiece> pieces = Channel.CreateUnbounded<ServedPiece>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    readonly TaskCompletionSource<GenerationResult> result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The generation's own: a request's token may be reset and reused by the server for a later request once this
    // request has ended, so the generation thread never watches it directly.
    readonly CancellationTokenSource stop = new();
    readonly CancellationTokenRegistration requestAborted;

    internal CompletionGeneration(bool stream, CancellationToken request)
    {
        Stream = stream;
        requestAborted = request.Register(Stop);
    }

    public bool Stream { get; }

    internal CancellationToken Stopping => stop.Token;

    /// <summary>Stops the generation at its next piece, if it still runs: nobody will read what it makes.</summary>
    public void Dispose()
    {
        requestAborted.Dispose();
        Stop();
    }

    void Stop()
    {
        try
        {
            stop.Cancel();
        }
        catch (AggregateException)
        {
            // Nothing registers on the token; cancelling cannot fail but by a callback.
        }
    }

    /// <summary>
    /// Pieces until the generation ends; a failure is thrown from the read that reaches it (with the original
    /// exception, not the channel's wrapper).
    /// </summary>
    public async IAsyncEnumerable<ServedPiece> Pieces([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await pieces.Reader.WaitToReadAsync(cancellationToken);
            }
            catch (ChannelClosedException closed) when (closed.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(closed.InnerException);
                throw;
            }
            if (!more) yield break;
            while (pieces.Reader.TryRead(out var piece)) yield return piece;
        }
    }

    /// <summary>The whole result (text, tokens, why it stopped, the prompt's token count), or the failure.</summary>
    public Task<GenerationResult> Result => result.Task;

    readonly List<ServedToken> tokens = [];

    /// <summary>Every token with its log-probabilities, for a whole (not streamed) answer that asked for them; complete once <see cref="Result"/> is.</summary>
    public IReadOnlyList<ServedToken> Tokens => tokens;

    internal void Write(ServedPiece piece)
    {
        if (Stream) pieces.Writer.TryWrite(piece);
        else tokens.AddRange(piece.Tokens);
    }

    internal void Complete(GenerationResult finished)
    {
        pieces.Writer.TryComplete();
        result.TrySetResult(finished);
    }

    internal void Fail(Exception failure)
    {
        pieces.Writer.TryComplete(failure);
        if (failure is OperationCanceledException cancelled) result.TrySetCanceled(cancelled.CancellationToken);
        else result.TrySetException(failure);
        // A stream reads the failure from the pieces; the result's copy is observed here so it is not reported as unobserved.
        _ = result.Task.Exception;
    }
}

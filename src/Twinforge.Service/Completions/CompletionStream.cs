using System.Text.Json;
using System.Threading.Channels;
using Twinforge.Engine.Generation;
using Twinforge.Service.Errors;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// A completion as server-sent events, in the hosted API's stream format: <c>data: {chunk}</c> events — for each choice
/// (a chat completion's) one with the role, then one per text piece as the model produces it (with the tokens'
/// log-probabilities when asked), then one with its finish reason; one with the usage when asked — and then
/// <c>data: [DONE]</c>. What each chunk looks like is <paramref name="chunks"/>' (chat's or text's). The choices
/// are decoded together and their chunks interleave as they come, each naming its <c>index</c>. Nothing is
/// sent until a generation has produced its first piece or failed, so a refusal found by the engine (a prompt longer
/// than the model's context) is still an ordinary error response. The provenance records' ids go in a header (known
/// before the body); the records, made by <paramref name="recordProvenance"/> as each choice ends, go in
/// <c>twinforge</c> of the last chunk before <c>[DONE]</c> — the usage chunk when asked for, else the last finish
/// chunk. Should recording fail, the stream ends with an error and no <c>[DONE]</c>, as when generation fails.
/// </summary>
public sealed class CompletionStream(IReadOnlyList<CompletionGeneration> generations, ICompletionChunks chunks, bool includeUsage,
    JsonSerializerOptions json, Func<Exception, Exception> refusal, string provenanceIds, Func<int, GenerationResult, JsonElement> recordProvenance) : IResult
{
    static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>What one choice's generation did: a piece, its end with the whole result, or its failure.</summary>
    sealed record ChoiceEvent(int Index, ServedPiece? Piece, GenerationResult? Result, Exception? Failure);

    public async Task ExecuteAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var events = Channel.CreateUnbounded<ChoiceEvent>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = generations.Select((generation, index) => Pump(generation, index, events.Writer, cancellationToken)).ToList();
        _ = Task.WhenAll(pumps).ContinueWith(_ => events.Writer.TryComplete(), TaskScheduler.Default);

        var first = await events.Reader.ReadAsync(cancellationToken);
        if (first.Failure is { } early)
        {
            var refused = early is OperationCanceledException ? early : refusal(early);
            if (ReferenceEquals(refused, early)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(early);
            throw refused;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // reverse proxies: pass each event on as it comes
        response.Headers[Provenance.ProvenanceRecorder.Header] = provenanceIds;
        for (int index = 0; index < generations.Count; index++)
            if (chunks.Opening(index) is { } opening) await Write(response, opening, cancellationToken);

        var results = new GenerationResult[generations.Count];
        var records = new JsonElement[generations.Count];
        int running = generations.Count;
        try
        {
            var next = first;
            while (true)
            {
                if (next.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                if (next.Piece is { } piece)
                    await Write(response, chunks.Piece(next.Index, piece), cancellationToken);
                else
                {
                    results[next.Index] = next.Result!;
                    records[next.Index] = recordProvenance(next.Index, next.Result!);
                    running--;
                    // The records travel in the last chunk before [DONE]: this finish chunk when it is the last.
                    var extension = running == 0 && !includeUsage ? TwinforgeCompletionExtension.Of(records) : null;
                    await Write(response, chunks.Finish(next.Index, FinishReasons.Of(next.Result!.StopReason), extension), cancellationToken);
                    if (running == 0) break;
                }
                next = await events.Reader.ReadAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Too late for a status: the stream ends with the error in the API's shape, without [DONE], and the log keeps the cause.
            // (A completion whose provenance could not be recorded ends so too: none is answered without its record.)
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Twinforge.Service.Completions")
                .LogError(e, "a streamed completion of {Model} failed", chunks.Header.Model);
            await Write(response, new ApiErrorBody(new ApiError("The server had an error while generating the completion.", ApiErrorTypes.Server, null, null)),
                cancellationToken);
            return;
        }

        if (includeUsage) await Write(response, chunks.Usage(results, TwinforgeCompletionExtension.Of(records)), cancellationToken);
        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Passes one choice's pieces, then its result or failure, to the shared channel.</summary>
    static async Task Pump(CompletionGeneration generation, int index, ChannelWriter<ChoiceEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var piece in generation.Pieces(cancellationToken)) events.TryWrite(new ChoiceEvent(index, piece, null, null));
            events.TryWrite(new ChoiceEvent(index, null, await generation.Result, null));
        }
        catch (Exception failure)
        {
            events.TryWrite(new ChoiceEvent(index, null, null, failure));
        }
    }

    async Task Write(HttpResponse response, object value, CancellationToken cancellationToken)
    {
        // One event per line pair; JSON has no raw newlines, so each event is a single data line.
        var bytes = new List<byte>(256);
        bytes.AddRange("data: "u8);
        bytes.AddRange(JsonSerializer.SerializeToUtf8Bytes(value, json));
        bytes.AddRange("\n\n"u8);
        await response.Body.WriteAsync(bytes.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}

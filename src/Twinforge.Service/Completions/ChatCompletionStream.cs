using System.Text.Json;
using Twinforge.Engine.Generation;
using Twinforge.Service.Errors;

namespace Twinforge.Service.Completions;

/// <summary>
/// A completion as server-sent events, in the hosted API's stream format: <c>data: {chunk}</c> events — the first with
/// the role, one per text piece as the model produces it, one with the finish reason, one with the usage when asked —
/// and then <c>data: [DONE]</c>. Nothing is sent until the generation has produced its first piece or failed, so a
/// refusal found by the engine (a prompt longer than the model's context) is still an ordinary error response.
/// The provenance record's id goes in a header (known before the body); the record itself, made by
/// <paramref name="recordProvenance"/> once the generation has ended, in <c>twinforge.provenance</c> of the last chunk
/// before <c>[DONE]</c> — the usage chunk when asked for, else the one with the finish reason. Should recording fail,
/// the stream ends with an error and no <c>[DONE]</c>, as when generation fails.
/// </summary>
public sealed class ChatCompletionStream(ChatGeneration generation, CompletionHeader header, bool includeUsage, JsonSerializerOptions json,
    Func<Exception, Exception> refusal, string provenanceId, Func<GenerationResult, JsonElement> recordProvenance) : IResult
{
    static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        await using var pieces = generation.Pieces(cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool any;
        try
        {
            any = await pieces.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var refused = refusal(e);
            if (ReferenceEquals(refused, e)) throw;
            throw refused;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // reverse proxies: pass each event on as it comes
        response.Headers[Provenance.ProvenanceRecorder.Header] = provenanceId;
        await Write(response, Chunk(new ChatCompletionDelta("assistant", ""), null), cancellationToken);
        GenerationResult result;
        TwinforgeCompletionExtension provenance;
        try
        {
            while (any)
            {
                await Write(response, Chunk(new ChatCompletionDelta(null, pieces.Current), null), cancellationToken);
                any = await pieces.MoveNextAsync();
            }
            result = await generation.Result;
            provenance = new TwinforgeCompletionExtension(recordProvenance(result));
        }
        catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Too late for a status: the stream ends with the error in the API's shape, without [DONE], and the log keeps the cause.
            // (A completion whose provenance could not be recorded ends so too: none is answered without its record.)
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Twinforge.Service.Completions")
                .LogError(e, "a streamed completion of {Model} failed", header.Model);
            await WriteJson(response, new ApiErrorBody(new ApiError("The server had an error while generating the completion.", ApiErrorTypes.Server, null, null)),
                cancellationToken);
            return;
        }

        await Write(response, Chunk(new ChatCompletionDelta(null, null), FinishReasons.Of(result.StopReason)) with { Twinforge = includeUsage ? null : provenance },
            cancellationToken);
        if (includeUsage)
            await Write(response, new ChatCompletionChunk(header.Id, "chat.completion.chunk", header.Created, header.Model, header.Fingerprint, [],
                UsageObject.From(result), provenance), cancellationToken);
        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    ChatCompletionChunk Chunk(ChatCompletionDelta delta, string? finishReason) =>
        new(header.Id, "chat.completion.chunk", header.Created, header.Model, header.Fingerprint,
            [new ChatCompletionChunkChoice(0, delta, null, finishReason)], null);

    Task Write(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken) => WriteJson(response, chunk, cancellationToken);

    async Task WriteJson<T>(HttpResponse response, T value, CancellationToken cancellationToken)
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

/// <summary>What every chunk of one completion repeats: its id, creation time, the model that answered and its fingerprint.</summary>
public sealed record CompletionHeader(string Id, long Created, string Model, string? Fingerprint);

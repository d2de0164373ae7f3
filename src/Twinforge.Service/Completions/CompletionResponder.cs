using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Engine;
using Twinforge.Engine.Generation;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Service.Models;
using Twinforge.Service.Provenance;
using Twinforge.Service.Watermarking;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>Which API a completion answers: its ids' prefix, and the parameter that holds its prompt.</summary>
public sealed record CompletionKind(string IdPrefix, string PromptParam)
{
    public static CompletionKind Chat { get; } = new("chatcmpl-", "messages");
    public static CompletionKind Text { get; } = new("cmpl-", "prompt");
}

/// <summary>One answered choice of a whole (not streamed) completion: its result, and its tokens with their log-probabilities when asked for.</summary>
public sealed record AnsweredChoice(int Index, GenerationResult Result, IReadOnlyList<ServedToken> Tokens);

/// <summary>
/// Answers a completion request, chat or text alike, once its parameters are checked: resolves the model among the
/// caller's organisation's, starts one generation per choice (each prompt's <c>n</c> choices in turn, so choice
/// <c>p·n + i</c> is prompt p's i-th, seeded by the seed and the prompt, plus i) in the base's batch, and either streams them
/// (<see cref="CompletionStream"/>) or waits for them all. Every choice carries the organisation's watermark unless it
/// switched watermarking off, and gets a signed provenance record, its id chosen
/// before generating (a stream's header names it before it exists), made and stored before the answer ends. The
/// request's <c>user</c> is written to the debug log only.
/// </summary>
public sealed class CompletionResponder(ServiceStorage storage, CompletionGenerations generations, ProvenanceRecorder provenance,
    WatermarkKeys watermarks, IOptions<JsonOptions> json, ILogger<CompletionResponder> logger)
{
    /// <summary>
    /// Generates <paramref name="prompts"/> × <c>n</c> choices and answers with <paramref name="chunks"/>' stream or
    /// <paramref name="whole"/>'s object (given the header, the choices in order, their usage and their records).
    /// </summary>
    public async Task<IResult> AnswerAsync(CompletionKind kind, CompletionSettings settings, IReadOnlyList<CompletionPrompt> prompts, Caller caller,
        HttpContext context, Func<CompletionHeader, ICompletionChunks> chunks,
        Func<CompletionHeader, IReadOnlyList<AnsweredChoice>, UsageObject, TwinforgeCompletionExtension, object> whole)
    {
        var model = ModelEndpoints.Resolve(storage, caller, settings.Model);
        var organisation = storage.Registry.FindOrganisation(caller.OrganisationId)
            ?? throw new InvalidOperationException($"the caller's organisation {caller.OrganisationId} is not in the registry");
        // The organisation's watermark on every choice (unless it switched watermarking off); each record names its key.
        settings = settings with { Generation = watermarks.Apply(organisation, settings.Generation) };
        // The end user's id is the caller's to give us for abuse reports: kept in no record, only in this request's debug log.
        if (settings.User is { } user) logger.LogDebug("{Path} for end user {User}", context.Request.Path.Value, user);
        var header = new CompletionHeader(kind.IdPrefix + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 29),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model.Id, Fingerprint(model));
        var choices = prompts.SelectMany(prompt => Enumerable.Range(0, settings.Choices).Select(i => (Prompt: prompt, Generation: settings.GenerationOf(prompt, i)))).ToList();
        var provenanceIds = choices.Select(_ => PublicIds.New(PublicIds.Provenance)).ToList();
        JsonElement Record(int choice, GenerationResult result) =>
            provenance.Record(organisation, provenanceIds[choice], header, model, choices[choice].Prompt, choices[choice].Generation, result);
        Exception Refusal(Exception failure) => failure is BadInputException bad
            ? ApiException.BadRequest($"'{kind.PromptParam}' does not fit the model: {bad.Message}.", kind.PromptParam, "context_length_exceeded")
            : failure;

        // Each choice is a stream of its own in the base's batch; whatever ends the request stops them all.
        var runs = new List<CompletionGeneration>(choices.Count);
        foreach (var (prompt, generation) in choices)
        {
            var run = await generations.StartAsync(model, prompt, generation, settings.Stream, context.RequestAborted);
            context.Response.RegisterForDispose(run);
            runs.Add(run);
        }
        if (settings.Stream)
            return new CompletionStream(runs, chunks(header), settings.IncludeUsage, json.Value.SerializerOptions, Refusal, string.Join(',', provenanceIds), Record);

        GenerationResult[] results;
        try
        {
            results = await Task.WhenAll(runs.Select(run => run.Result));
        }
        catch (Exception e) when (e is not OperationCanceledException && !ReferenceEquals(Refusal(e), e))
        {
            throw Refusal(e);
        }
        var records = results.Select((result, choice) => Record(choice, result)).ToList();
        context.Response.Headers[ProvenanceRecorder.Header] = string.Join(',', provenanceIds);
        var answered = results.Select((result, choice) => new AnsweredChoice(choice, result, runs[choice].Tokens)).ToList();
        return Results.Json(whole(header, answered, UsageObject.From(results, settings.Choices), TwinforgeCompletionExtension.Of(records)),
            json.Value.SerializerOptions);
    }

    /// <summary>
    /// The hosted API's <c>system_fingerprint</c>: what answered, so that a seed reproduces only on the same weights —
    /// the first 12 hex digits of the adapter's (or fully fine-tuned weights', or the base's) content hash.
    /// </summary>
    static string? Fingerprint(ResolvedModel model)
    {
        var hash = model.Version is { } version
            ? version.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.Adapter)?.ContentHash
              ?? version.Artifacts.FirstOrDefault(a => a.Kind == ArtifactReference.MergedModel)?.ContentHash
            : model.Base.ContentHash;
        return hash is { Length: >= 12 } ? "tf_" + hash[..12] : null;
    }
}

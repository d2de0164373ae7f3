using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Engine;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Service.Models;
using Twinforge.Service.Provenance;
using Twinforge.Service.Watermarking;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// <c>POST /v1/chat/completions</c> in the hosted API's shape, whole or streamed as server-sent events, so the
/// official SDKs' chat clients work unchanged. <c>model</c> names a twin of the caller's organisation (a twin, a
/// version, an alias, optionally after its creator) or a registered base; the response's <c>model</c> is exactly the
/// version that answered (<c>creator-…/twin@2</c>). <c>n</c> choices are decoded as <c>n</c> streams of the base's
/// batch; <c>logprobs</c> and <c>top_logprobs</c> give each token's log-probability. A client that leaves stops its
/// generations. Every answered choice has a signed provenance record (<see cref="ProvenanceRecorder"/>), stored
/// before the answer ends, named by the <c>x-twinforge-provenance</c> header (the choices' ids, comma-separated, in
/// order) and carried whole in <c>twinforge.provenance</c> (the first choice's) and <c>twinforge.choice_provenance</c>
/// (every choice's, when <c>n</c> &gt; 1).
/// </summary>
public static class ChatCompletionEndpoints
{
    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CompletionOptions>().Bind(configuration.GetSection(CompletionOptions.Section))
            .Validate(o => !o.Problems().Any(), $"{CompletionOptions.Section}: a setting is out of range (each count at least 1, DefaultMaxTokens within MaxTokensLimit)")
            .ValidateOnStart();
        // Unpacked adapters live under the data directory, in a cache named by content hash (never a request's words).
        services.AddSingleton(provider =>
        {
            var storage = provider.GetRequiredService<ServiceStorage>();
            return new ServedModels(storage.Registry, storage.Store, Path.Combine(storage.DataDirectory, "served"),
                provider.GetRequiredService<IOptions<CompletionOptions>>().Value.Serving());
        });
        services.AddSingleton<ChatStreamSource>(provider => provider.GetRequiredService<ServedModels>().StreamChat);
        services.AddSingleton<CompletionMetrics>();
        services.AddSingleton<ChatGenerations>();
        services.AddHostedService<ServedModelsSweep>();
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var chat = endpoints.MapGroup("/v1/chat").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Chat");
        chat.MapPost("/completions", Complete);
    }

    static async Task<IResult> Complete(ChatCompletionRequest request, Caller caller, ServiceStorage storage, ChatGenerations generations,
        ProvenanceRecorder provenance, WatermarkKeys watermarks, IOptions<CompletionOptions> options, IOptions<JsonOptions> json, HttpContext context)
    {
        var call = ChatCompletionParameters.Read(request, options.Value);
        var model = ModelEndpoints.Resolve(storage, caller, call.Model);
        var organisation = storage.Registry.FindOrganisation(caller.OrganisationId)
            ?? throw new InvalidOperationException($"the caller's organisation {caller.OrganisationId} is not in the registry");
        // The organisation's watermark on every choice (unless it switched watermarking off); each record names its key.
        call = call with { Generation = watermarks.Apply(organisation, call.Generation) };
        var header = new CompletionHeader("chatcmpl-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 29),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model.Id, Fingerprint(model));
        // Chosen now, one per choice: a stream's header, which names the records, is sent before they can be made.
        var provenanceIds = Enumerable.Range(0, call.Choices).Select(_ => PublicIds.New(PublicIds.Provenance)).ToList();
        JsonElement Record(int choice, Engine.Generation.GenerationResult result) =>
            provenance.Record(organisation, provenanceIds[choice], header, model, call.Messages, call.GenerationOf(choice), result);

        // Each choice is a stream of its own in the base's batch; whatever ends the request stops them all.
        var runs = new List<ChatGeneration>(call.Choices);
        for (int choice = 0; choice < call.Choices; choice++)
        {
            var run = await generations.StartAsync(model, call.Messages, call.GenerationOf(choice), call.Stream, context.RequestAborted);
            context.Response.RegisterForDispose(run);
            runs.Add(run);
        }
        if (call.Stream)
            return new ChatCompletionStream(runs, header, call.IncludeUsage, call.Generation.TopLogprobs is not null, json.Value.SerializerOptions, Refusal,
                string.Join(',', provenanceIds), Record);

        Engine.Generation.GenerationResult[] results;
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
        var choices = results.Select((result, choice) => new ChatCompletionChoice(choice, new AssistantMessage("assistant", result.Text, null),
            call.Generation.TopLogprobs is null ? null : ChoiceLogprobs.From(runs[choice].Tokens), FinishReasons.Of(result.StopReason))).ToList();
        return Results.Json(new ChatCompletionObject(header.Id, "chat.completion", header.Created, header.Model, header.Fingerprint, choices,
            UsageObject.From(results), TwinforgeCompletionExtension.Of(records)), json.Value.SerializerOptions);
    }

    /// <summary>The engine's refusal of the input (a prompt longer than the model's context) is the caller's to fix: 400.</summary>
    static Exception Refusal(Exception failure) => failure is BadInputException bad
        ? ApiException.BadRequest($"The messages do not fit the model: {bad.Message}.", "messages", "context_length_exceeded")
        : failure;

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

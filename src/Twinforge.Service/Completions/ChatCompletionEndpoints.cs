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
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// <c>POST /v1/chat/completions</c> in the hosted API's shape, whole or streamed as server-sent events, so the
/// official SDKs' chat clients work unchanged. <c>model</c> names a twin of the caller's organisation (a twin, a
/// version, an alias, optionally after its creator) or a registered base; the response's <c>model</c> is exactly the
/// version that answered (<c>creator-…/twin@2</c>). A client that leaves stops its generation. Every answered
/// completion has a signed provenance record (<see cref="ProvenanceRecorder"/>), stored before the answer ends, named
/// by the <c>x-twinforge-provenance</c> header and carried whole in <c>twinforge.provenance</c>.
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
                provider.GetRequiredService<IOptions<CompletionOptions>>().Value.LoadedModels);
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
        ProvenanceRecorder provenance, IOptions<CompletionOptions> options, IOptions<JsonOptions> json, HttpContext context)
    {
        var call = ChatCompletionParameters.Read(request, options.Value);
        var model = ModelEndpoints.Resolve(storage, caller, call.Model);
        var organisation = storage.Registry.FindOrganisation(caller.OrganisationId)
            ?? throw new InvalidOperationException($"the caller's organisation {caller.OrganisationId} is not in the registry");
        var header = new CompletionHeader("chatcmpl-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 29),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model.Id, Fingerprint(model));
        // Chosen now: a stream's header, which names the record, is sent before the record can be made.
        var provenanceId = PublicIds.New(PublicIds.Provenance);
        JsonElement Record(Engine.Generation.GenerationResult result) =>
            provenance.Record(organisation, provenanceId, header, model, call.Messages, call.Generation, result);

        var generation = await generations.StartAsync(model, call.Messages, call.Generation, call.Stream, context.RequestAborted);
        context.Response.RegisterForDispose(generation); // whatever ends the request stops what it started
        if (call.Stream) return new ChatCompletionStream(generation, header, call.IncludeUsage, json.Value.SerializerOptions, Refusal, provenanceId, Record);

        Engine.Generation.GenerationResult result;
        try
        {
            result = await generation.Result;
        }
        catch (Exception e) when (e is not OperationCanceledException && !ReferenceEquals(Refusal(e), e))
        {
            throw Refusal(e);
        }
        var record = Record(result);
        context.Response.Headers[ProvenanceRecorder.Header] = provenanceId;
        return Results.Json(new ChatCompletionObject(header.Id, "chat.completion", header.Created, header.Model, header.Fingerprint,
            [new ChatCompletionChoice(0, new AssistantMessage("assistant", result.Text, null), null, FinishReasons.Of(result.StopReason))],
            UsageObject.From(result), new TwinforgeCompletionExtension(record)), json.Value.SerializerOptions);
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

using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Twinforge.Engine;
using Twinforge.Registry.Records;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;
using Twinforge.Service.Models;
using Twinforge.Twins.Serving;

namespace Twinforge.Service.Completions;

/// <summary>
/// <c>POST /v1/chat/completions</c> in the hosted API's shape, whole or streamed as server-sent events, so the
/// official SDKs' chat clients work unchanged. <c>model</c> names a twin of the caller's organisation (a twin, a
/// version, an alias, optionally after its creator) or a registered base; the response's <c>model</c> is exactly the
/// version that answered (<c>creator-…/twin@2</c>). A client that leaves stops its generation.
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
        IOptions<CompletionOptions> options, IOptions<JsonOptions> json, HttpContext context)
    {
        var call = ChatCompletionParameters.Read(request, options.Value);
        var model = ModelEndpoints.Resolve(storage, caller, call.Model);
        var header = new CompletionHeader("chatcmpl-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 29),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model.Id, Fingerprint(model));

        var generation = await generations.StartAsync(model, call.Messages, call.Generation, call.Stream, context.RequestAborted);
        context.Response.RegisterForDispose(generation); // whatever ends the request stops what it started
        if (call.Stream) return new ChatCompletionStream(generation, header, call.IncludeUsage, json.Value.SerializerOptions, Refusal);

        Engine.Generation.GenerationResult result;
        try
        {
            result = await generation.Result;
        }
        catch (Exception e) when (e is not OperationCanceledException && !ReferenceEquals(Refusal(e), e))
        {
            throw Refusal(e);
        }
        return Results.Json(new ChatCompletionObject(header.Id, "chat.completion", header.Created, header.Model, header.Fingerprint,
            [new ChatCompletionChoice(0, new AssistantMessage("assistant", result.Text, null), null, FinishReasons.Of(result.StopReason))],
            UsageObject.From(result)), json.Value.SerializerOptions);
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

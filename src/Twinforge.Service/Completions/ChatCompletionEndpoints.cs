using Microsoft.Extensions.Options;
using Twinforge.Service.Auth;
using Twinforge.Service.Hosting;
using Twinforge.Service.Provenance;
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
        services.AddSingleton<TextStreamSource>(provider => provider.GetRequiredService<ServedModels>().StreamCompletion);
        services.AddSingleton<CompletionMetrics>();
        services.AddSingleton<CompletionGenerations>();
        services.AddSingleton<CompletionResponder>();
        services.AddHostedService<ServedModelsSweep>();
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var chat = endpoints.MapGroup("/v1/chat").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Chat");
        chat.MapPost("/completions", Complete);
    }

    static Task<IResult> Complete(ChatCompletionRequest request, Caller caller, CompletionResponder responder, IOptions<CompletionOptions> options,
        HttpContext context)
    {
        var call = ChatCompletionParameters.Read(request, options.Value);
        var logprobs = call.Settings.Generation.TopLogprobs is not null;
        return responder.AnswerAsync(CompletionKind.Chat, call.Settings, [new CompletionPrompt.Chat(call.Messages)], caller, context,
            header => new ChatCompletionChunks(header, logprobs),
            (header, choices, usage, provenance) => new ChatCompletionObject(header.Id, "chat.completion", header.Created, header.Model, header.Fingerprint,
                choices.Select(choice => new ChatCompletionChoice(choice.Index, new AssistantMessage("assistant", choice.Result.Text, null),
                    logprobs ? ChoiceLogprobs.From(choice.Tokens) : null, FinishReasons.Of(choice.Result.StopReason))).ToList(),
                usage, provenance));
    }
}

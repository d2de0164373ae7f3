using Microsoft.Extensions.Options;
using Twinforge.Service.Auth;
using Twinforge.Service.Provenance;

namespace Twinforge.Service.Completions;

/// <summary>
/// <c>POST /v1/completions</c>, the legacy text completions API in the hosted API's shape, whole or streamed as
/// server-sent events, as the official SDKs send it (the npm client's <c>client.completions.create</c>). The model
/// continues each prompt as plain text, without the chat format; <c>model</c> names a twin or a base as for chat
/// completions. Each prompt gets <c>n</c> choices, choice <c>prompt_index × n + i</c> seeded by the seed and the prompt, plus i; <c>logprobs</c>
/// (0–5) gives the legacy per-token log-probabilities. As chat's, every choice has a signed provenance record
/// (<see cref="ProvenanceRecorder"/>; its prompt is the prompt's text as a JSON string), named by the
/// <c>x-twinforge-provenance</c> header and carried in <c>twinforge</c>. The generation, the stream and the
/// provenance are chat's (<see cref="CompletionResponder"/>); only the shapes differ.
/// </summary>
public static class TextCompletionEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var completions = endpoints.MapGroup("/v1").RequireAuthorization(ApiKeyClaims.OrganisationPolicy).WithTags("Completions");
        completions.MapPost("/completions", Complete);
    }

    static Task<IResult> Complete(TextCompletionRequest request, Caller caller, CompletionResponder responder, IOptions<CompletionOptions> options,
        HttpContext context)
    {
        var call = TextCompletionParameters.Read(request, options.Value);
        var (prompts, settings) = (call.Prompts, call.Settings);
        var logprobs = settings.Generation.TopLogprobs is not null;
        return responder.AnswerAsync(CompletionKind.Text, settings, prompts.Select(prompt => (CompletionPrompt)new CompletionPrompt.Text(prompt)).ToList(), caller, context,
            header => new TextCompletionChunks(header, prompts, settings.Choices, logprobs),
            (header, choices, usage, provenance) => new TextCompletionObject(header.Id, TextCompletionObject.ObjectName, header.Created, header.Model,
                header.Fingerprint, choices.Select(choice => new TextCompletionChoice(choice.Result.Text, choice.Index,
                    logprobs ? Logprobs(choice, prompts[choice.Index / settings.Choices]) : null, FinishReasons.Of(choice.Result.StopReason))).ToList(),
                usage, provenance));
    }

    static TextLogprobs Logprobs(AnsweredChoice choice, string prompt)
    {
        var offset = prompt.Length;
        return TextLogprobs.From(choice.Tokens, ref offset);
    }
}

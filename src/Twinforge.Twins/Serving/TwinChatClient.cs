using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Watermarking;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;
using EngineChatMessage = Twinforge.Engine.Tokenization.ChatMessage;
using EngineChatRole = Twinforge.Engine.Tokenization.ChatRole;

namespace Twinforge.Twins.Serving;

/// <summary>
/// A twin as a Microsoft.Extensions.AI <see cref="IChatClient"/>, in process: .NET applications (and Semantic Kernel,
/// which takes any <see cref="IChatClient"/>) talk to a twin without HTTP. Requests go through
/// <see cref="ServedModels"/>, so they are decoded in their base's continuous batch beside every other twin's, as the
/// service's are. Defaults follow the hosted chat API: temperature 1 and top-p 1 (sampling), 256 new tokens; set
/// <see cref="ChatOptions.Temperature"/> to 0 for greedy decoding. <see cref="ChatOptions.Instructions"/> open the
/// conversation as its system message (before the one it has, if any). Tools, response formats, frequency or presence
/// penalties and content other than text (images, audio) are refused with <see cref="NotSupportedException"/>; a
/// <see cref="ChatOptions.ModelId"/> that names another model than this client's, with <see cref="ArgumentException"/>.
/// </summary>
/// <example><code>
/// using var served = new ServedModels(registry, store, ".twinforge/served");
/// IChatClient twin = new TwinChatClient(served, new ModelResolver(registry).Resolve("ana-style", creators));
/// var reply = await twin.GetResponseAsync("What do you make of spring?");
/// </code></example>
public sealed class TwinChatClient : IChatClient
{
    /// <summary>New tokens when <see cref="ChatOptions.MaxOutputTokens"/> is not given (the service's default too).</summary>
    public const int DefaultMaxOutputTokens = 256;

    readonly ServedModels served;
    readonly ResolvedModel model;
    readonly WatermarkSettings? watermark;
    readonly ChatClientMetadata metadata;

    /// <param name="served">The loaded models; shared, and disposed by its owner, not by this client.</param>
    /// <param name="model">The twin version (or base) that answers.</param>
    /// <param name="watermark">A watermark to write into every answer, or null for none.</param>
    public TwinChatClient(ServedModels served, ResolvedModel model, WatermarkSettings? watermark = null)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(model);
        this.served = served;
        this.model = model;
        this.watermark = watermark;
        metadata = new ChatClientMetadata("twinforge", defaultModelId: model.Id);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (conversation, generation) = Request(messages, options);
        GenerationResult? result = null;
        // The engine's calls block until the batch has produced the answer: on a thread of their own, not the pool's.
        await Task.Factory.StartNew(() =>
        {
            foreach (var _ in served.StreamChat(model, conversation, generation, finished => result = finished, cancellationToken)) { }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        cancellationToken.ThrowIfCancellationRequested();
        var responseId = Guid.NewGuid().ToString("N");
        return new ChatResponse(new AIChatMessage(AIChatRole.Assistant, result!.Text) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = model.Id,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReasonOf(result),
            Usage = UsageOf(result),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (conversation, generation) = Request(messages, options);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        GenerationResult? result = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var piece in served.StreamChat(model, conversation, generation, finished => result = finished, stop.Token))
                    if (piece.Text.Length > 0) pieces.Writer.TryWrite(piece.Text);
                pieces.Writer.TryComplete();
            }
            catch (Exception error)
            {
                pieces.Writer.TryComplete(error);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var responseId = Guid.NewGuid().ToString("N");
        try
        {
            await foreach (var text in pieces.Reader.ReadAllAsync(cancellationToken))
                yield return new ChatResponseUpdate(AIChatRole.Assistant, text) { ModelId = model.Id, ResponseId = responseId, MessageId = responseId };
        }
        finally
        {
            stop.Cancel(); // a reader that stops early takes the request out of the batch
            await producer;
        }
        yield return new ChatResponseUpdate
        {
            Role = AIChatRole.Assistant,
            ModelId = model.Id,
            ResponseId = responseId,
            MessageId = responseId,
            FinishReason = FinishReasonOf(result!),
            Contents = [new UsageContent(UsageOf(result!))],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return metadata;
        if (serviceType == typeof(ResolvedModel)) return model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the <see cref="ServedModels"/> belongs to whoever made it.</summary>
    public void Dispose() { }

    (List<EngineChatMessage> Conversation, GenerationOptions Generation) Request(IEnumerable<AIChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages.Select(Converted).ToList();
        if (conversation.Count == 0) throw new ArgumentException("send at least one message", nameof(messages));
        if (options?.ModelId is { } asked) RequireThisModel(asked);
        if (options?.Instructions is { Length: > 0 } instructions)
            conversation = conversation is [{ Role: EngineChatRole.System } system, .. var rest]
                ? [new EngineChatMessage(EngineChatRole.System, instructions + "\n\n" + system.Content), .. rest]
                : [new EngineChatMessage(EngineChatRole.System, instructions), .. conversation];
        if (options?.Tools is { Count: > 0 }) throw new NotSupportedException("a twin has no tools: send no ChatOptions.Tools");
        if (options?.ResponseFormat is not null and not ChatResponseFormatText)
            throw new NotSupportedException("a twin writes plain text: ChatOptions.ResponseFormat must be null or Text");
        if (options?.FrequencyPenalty is { } frequency && frequency != 0) throw new NotSupportedException("ChatOptions.FrequencyPenalty is not supported");
        if (options?.PresencePenalty is { } presence && presence != 0) throw new NotSupportedException("ChatOptions.PresencePenalty is not supported");
        var generation = new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens,
            Temperature = options?.Temperature ?? 1.0,
            TopP = options?.TopP ?? 1.0,
            TopK = options?.TopK ?? 0,
            StopSequences = options?.StopSequences?.ToList() ?? [],
            Seed = options?.Seed,
            Watermark = watermark,
        };
        generation.Validate();
        return (conversation, generation);
    }

    static EngineChatMessage Converted(AIChatMessage message)
    {
        var role = message.Role == AIChatRole.System ? EngineChatRole.System
            : message.Role == AIChatRole.User ? EngineChatRole.User
            : message.Role == AIChatRole.Assistant ? EngineChatRole.Assistant
            : throw new NotSupportedException($"a twin reads system, user and assistant messages, not '{message.Role}'");
        // Text is all a twin reads: an image or a recording left out would change the question without a word.
        if (message.Contents.FirstOrDefault(content => content is not TextContent) is { } other)
            throw new NotSupportedException($"a twin reads text: a {message.Role} message holds {other.GetType().Name}" +
                                            (other is DataContent { MediaType: { } media } ? $" ({media})" : ""));
        return new EngineChatMessage(role, message.Text);
    }

    /// <summary>
    /// A <see cref="ChatOptions.ModelId"/> must name this client's model (its id, the twin by name, with its creator,
    /// version or an alias): a client answers as one model, and a request meant for another must not be answered by it.
    /// </summary>
    void RequireThisModel(string asked)
    {
        if (asked == model.Id) return;
        ModelName name;
        try
        {
            name = ModelName.Parse(asked);
        }
        catch (UnknownModelException)
        {
            throw new ArgumentException($"ChatOptions.ModelId '{asked}' is not a model name; this client answers as {model.Id}", "options");
        }
        bool same = model.Twin is { } twin
            ? name.Name == twin.Name && (name.Creator is null || name.Creator == model.Creator!.Name)
              && (name.VersionNumber is not int number || number == model.Version!.Number)
            : name.Creator is null && name.Selector is null && name.Name == model.Base.Name;
        if (!same)
            throw new ArgumentException($"ChatOptions.ModelId '{asked}' names another model than this client's, {model.Id}: " +
                                        "make a TwinChatClient for that model, or leave ModelId unset", "options");
    }

    static ChatFinishReason FinishReasonOf(GenerationResult result) =>
        result.StopReason is StopReason.MaxNewTokens or StopReason.ContextFull ? ChatFinishReason.Length : ChatFinishReason.Stop;

    static UsageDetails UsageOf(GenerationResult result) => new()
    {
        InputTokenCount = result.PromptTokenCount,
        OutputTokenCount = result.TokenIds.Count,
        TotalTokenCount = result.PromptTokenCount + result.TokenIds.Count,
    };
}

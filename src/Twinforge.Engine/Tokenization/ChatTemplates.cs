namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Names the built-in chat formats and picks the one a tokenizer's model was trained with: an explicit name wins;
/// otherwise the model's own <c>chat_template</c> from tokenizer_config.json (or chat_template.jinja), rendered as a
/// <see cref="JinjaChatTemplate"/>; otherwise, for tokenizers without a template, a guess from the chat tokens the
/// vocabulary has; otherwise <see cref="PlainChatTemplate"/>.
/// </summary>
/// <example><code>var template = ChatTemplates.ByName("llama3", tokenizer.Special);</code></example>
public static class ChatTemplates
{
    public const string ChatMl = "chatml";
    public const string Llama3 = "llama3";
    public const string Plain = "plain";

    /// <summary>The names <see cref="ByName"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [ChatMl, Llama3, Plain];

    /// <summary>The template called <paramref name="name"/> (case-insensitive); the plain one ends turns with the eos token.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static IChatTemplate ByName(string name, SpecialTokens special) => name.ToLowerInvariant() switch
    {
        ChatMl => new ChatMlTemplate(),
        Llama3 => new Llama3ChatTemplate(),
        Plain => new PlainChatTemplate(special.Eos is int eos ? special.TextOf(eos) : null),
        _ => throw new ArgumentException($"unknown chat template '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>
    /// Chooses a template for a tokenizer. <paramref name="templateSource"/> is the Jinja text from
    /// <paramref name="templatePath"/> (tokenizer_config.json or chat_template.jinja), where its errors are reported.
    /// </summary>
    /// <exception cref="InputFileException">The template uses a construct outside the supported Jinja subset.</exception>
    public static IChatTemplate Detect(string? explicitName, string? templateSource, SpecialTokens special, string? templatePath = null)
    {
        if (explicitName is not null) return ByName(explicitName, special);
        if (!string.IsNullOrEmpty(templateSource))
        {
            // The exact Jinja a built-in format saves (Twinforge's own models) loads as that format: the same text,
            // rendered natively.
            var builtIn = Names.Select(name => ByName(name, special)).FirstOrDefault(template => template.Jinja == templateSource);
            if (builtIn is not null) return builtIn;
            try
            {
                return new JinjaChatTemplate(templateSource, special);
            }
            catch (Jinja.JinjaException error)
            {
                throw new InputFileException(templatePath ?? "chat template", $"{error.Message}; name a built-in chat format " +
                    $"({string.Join(", ", Names)}) to use it instead", "chat_template", inner: error);
            }
        }
        if (special.Tokens.ContainsKey(ChatMlTemplate.StartToken) && special.Tokens.ContainsKey(ChatMlTemplate.EndToken))
            return new ChatMlTemplate();
        if (special.Tokens.ContainsKey(Llama3ChatTemplate.StartHeader) && special.Tokens.ContainsKey(Llama3ChatTemplate.EndHeader)
            && special.Tokens.ContainsKey(Llama3ChatTemplate.EndOfTurn))
            return new Llama3ChatTemplate();
        return ByName(Plain, special);
    }

    /// <summary>The family a Jinja chat template belongs to, recognised by its markers, or null.</summary>
    public static string? FamilyOf(string? templateSource)
    {
        if (string.IsNullOrEmpty(templateSource)) return null;
        if (templateSource.Contains(ChatMlTemplate.StartToken, StringComparison.Ordinal)) return ChatMl;
        if (templateSource.Contains(Llama3ChatTemplate.StartHeader, StringComparison.Ordinal)) return Llama3;
        if (templateSource.Contains($"'{PlainChatTemplate.UserPrefix}'", StringComparison.Ordinal)
            && templateSource.Contains($"'{PlainChatTemplate.AssistantPrefix}'", StringComparison.Ordinal)) return Plain;
        return null;
    }

    internal static void Validate(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is null) throw new ArgumentException($"message {i} is null", nameof(messages));
            if (messages[i].Content is null) throw new ArgumentException($"message {i} has no content", nameof(messages));
            if (!Enum.IsDefined(messages[i].Role)) throw new ArgumentException($"message {i} has an unknown role", nameof(messages));
        }
    }
}

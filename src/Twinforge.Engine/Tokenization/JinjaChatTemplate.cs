using Twinforge.Engine.Tokenization.Jinja;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// A model's own chat template, the Jinja text of tokenizer_config.json's <c>chat_template</c>, rendered as Hugging
/// Face's <c>apply_chat_template</c> renders it: variables <c>messages</c> (role, content), <c>add_generation_prompt</c>
/// and the tokenizer's <c>bos_token</c>, <c>eos_token</c> and <c>pad_token</c>.
/// </summary>
/// <remarks>
/// A template is text, not segments, so the segments are recovered from renderings: for each message, the conversation
/// is rendered again with that message's content replaced by a sentinel of private-use characters that no message
/// contains. The two texts differ exactly where the template wrote the content (after whatever it did to it, such as
/// <c>| trim</c>), wherever it put it (Mistral writes the system message inside the last user turn), so the common
/// prefix and suffix of the two renderings bound the content in the real one. Rendering prefixes of the conversation
/// instead would fail for such templates, whose text for a prefix is not a prefix of the whole. The added token a
/// template writes right after an assistant's content (&lt;|eot_id|&gt;, &lt;|im_end|&gt;, &lt;end_of_turn&gt;, &lt;/s&gt;) is that
/// turn's end marker: trainable with the content, and the string that stops generation.
/// </remarks>
/// <example><code>var template = new JinjaChatTemplate(File.ReadAllText("chat_template.jinja"), tokenizer.Special);</code></example>
public sealed class JinjaChatTemplate : IChatTemplate
{
    /// <summary>The <see cref="Name"/> of every template read from a tokenizer's files.</summary>
    public const string TemplateName = "jinja";

    readonly JinjaTemplate _template;
    readonly Dictionary<string, object?> _tokenVariables = new(StringComparer.Ordinal);
    readonly string[] _addedTokensLongestFirst;
    readonly TimeProvider _clock;

    /// <param name="source">The template text.</param>
    /// <param name="special">The tokenizer's tokens: bos, eos and pad become variables; added tokens are end-marker candidates.</param>
    /// <param name="clock">What <c>strftime_now</c> reads (Llama 3.2 writes today's date); the system clock when null.</param>
    /// <exception cref="JinjaException">The template uses a construct outside the supported subset, or has a syntax error.</exception>
    public JinjaChatTemplate(string source, SpecialTokens special, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(special);
        Jinja = source;
        _template = JinjaTemplate.Parse(source);
        _clock = clock ?? TimeProvider.System;
        foreach (var (name, id) in new[] { ("bos_token", special.Bos), ("eos_token", special.Eos), ("pad_token", special.Pad) })
            if (id is int tokenId && special.TextOf(tokenId) is string text) _tokenVariables[name] = text;
        _addedTokensLongestFirst = special.Tokens.Keys.OrderByDescending(text => text.Length).ToArray();
        StopStrings = FindStopStrings(special);
    }

    public string Name => TemplateName;

    public IReadOnlyList<string> StopStrings { get; }

    public string Jinja { get; }

    /// <summary>The template's text for a conversation, exactly as Hugging Face renders it.</summary>
    /// <exception cref="JinjaException">The template refused the conversation (e.g. Gemma's "System role not supported").</exception>
    public string RenderText(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        ChatTemplates.Validate(messages);
        var variables = new Dictionary<string, object?>(_tokenVariables, StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(message => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["role"] = ChatMessage.RoleName(message.Role),
                ["content"] = message.Content,
            }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        return _template.Render(variables, _clock);
    }

    public IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var text = RenderText(messages, addGenerationPrompt);
        var spans = ContentSpans(messages, addGenerationPrompt, text);
        var segments = new List<ChatSegment>();
        int position = 0;
        foreach (var (start, end, index) in spans)
        {
            if (start > position) segments.Add(ChatSegment.Markup(text[position..start], role: null));
            var message = messages[index];
            if (end > start) segments.Add(ChatSegment.Content(message with { Content = text[start..end] }) with { Message = index });
            position = end;
            if (message.Role == ChatRole.Assistant && AddedTokenAt(text, position) is string marker)
            {
                segments.Add(ChatSegment.Markup(marker, ChatRole.Assistant, trainable: true) with { Message = index });
                position += marker.Length;
            }
        }
        if (position < text.Length) segments.Add(ChatSegment.Markup(text[position..], role: null));
        return segments;
    }

    /// <summary>Where each message's content is in <paramref name="text"/>, in text order (see the remarks).</summary>
    List<(int Start, int End, int Index)> ContentSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string text)
    {
        var sentinel = Sentinel(messages);
        var spans = new List<(int Start, int End, int Index)>();
        for (int index = 0; index < messages.Count; index++)
        {
            var replaced = messages.Select((message, i) => i == index ? message with { Content = sentinel } : message).ToList();
            var other = RenderText(replaced, addGenerationPrompt);
            if (other == text) continue;   // the template does not write this message's content
            int prefix = 0;
            while (prefix < text.Length && prefix < other.Length && text[prefix] == other[prefix]) prefix++;
            int suffix = 0;
            while (suffix < text.Length - prefix && suffix < other.Length - prefix && text[^(suffix + 1)] == other[^(suffix + 1)]) suffix++;
            if (!other.AsSpan(prefix, other.Length - prefix - suffix).SequenceEqual(sentinel.AsSpan()))
                throw new BadInputException(
                    $"chat template: message {index} ({ChatMessage.RoleName(messages[index].Role)}) is written more than once or changes the text " +
                    "around it, so its content cannot be told apart from the template's markup; use a built-in chat format (chatml, llama3, plain) instead");
            spans.Add((prefix, text.Length - suffix, index));
        }
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (int i = 1; i < spans.Count; i++)
            if (spans[i].Start < spans[i - 1].End)
                throw new BadInputException($"chat template: the contents of messages {spans[i - 1].Index} and {spans[i].Index} overlap in the rendered text");
        return spans;
    }

    /// <summary>Private-use characters that occur in no message: a template's markup never contains them either.</summary>
    static string Sentinel(IReadOnlyList<ChatMessage> messages)
    {
        for (char first = '\uE000'; first < '\uF8F0'; first += (char)4)
        {
            var candidate = new string([first, (char)(first + 1), (char)(first + 2), (char)(first + 3)]);
            if (!messages.Any(message => message.Content.AsSpan().IndexOfAny(candidate) >= 0)) return candidate;
        }
        throw new BadInputException("chat template: the messages use every private-use character, so their contents cannot be located");
    }

    string? AddedTokenAt(string text, int position) =>
        _addedTokensLongestFirst.FirstOrDefault(token => string.CompareOrdinal(text, position, token, 0, token.Length) == 0 && token.Length > 0);

    /// <summary>The end marker the template writes after an assistant's reply, then the eos token if it is another.</summary>
    List<string> FindStopStrings(SpecialTokens special)
    {
        var stops = new List<string>();
        try
        {
            var probe = Render([new ChatMessage(ChatRole.User, "Hello"), new ChatMessage(ChatRole.Assistant, "Hi")], addGenerationPrompt: false);
            stops.AddRange(probe.Where(segment => segment.IsMarkup && segment.IsTrainable).Select(segment => segment.Text).Take(1));
        }
        catch (BadInputException)
        {
            // A template that refuses the probe (one that insists on a system message, say) still stops at eos.
        }
        if (special.Eos is int eos && special.TextOf(eos) is string eosText && !stops.Contains(eosText)) stops.Add(eosText);
        return stops;
    }
}

using System.Text;
using System.Text.Json.Nodes;

namespace Twinforge.Engine.Tokenization;

/// <summary>
/// The <c>normalizer</c> of a tokenizer.json: Unicode normalization forms and lower-casing, alone or in a Sequence
/// (Qwen2 uses NFC; GPT-2, Llama 3 and SmolLM use none).
/// </summary>
internal sealed class TextNormalizer
{
    readonly Func<string, string>[] _steps;
    readonly string[] _names;

    TextNormalizer(Func<string, string>[] steps, string[] names) => (_steps, _names) = (steps, names);

    public static TextNormalizer None { get; } = new([], []);

    public bool IsIdentity => _steps.Length == 0;

    /// <summary>Whether the only step is NFC, which leaves text that is already NFC (nearly all text) unchanged.</summary>
    public bool IsNfcOnly => _names is ["NFC"];

    public string Normalize(string text)
    {
        foreach (var step in _steps) text = step(text);
        return text;
    }

    /// <summary>Reads a normalizer node; anything else than the forms above is reported, not ignored.</summary>
    public static TextNormalizer FromJson(JsonNode? node, string filePath, string field)
    {
        var steps = new List<Func<string, string>>();
        var names = new List<string>();
        AddSteps(node, filePath, field, steps, names);
        return steps.Count == 0 ? None : new TextNormalizer(steps.ToArray(), names.ToArray());
    }

    static void AddSteps(JsonNode? node, string filePath, string field, List<Func<string, string>> steps, List<string> names)
    {
        if (node is null) return;
        var type = JsonFields.RequiredString(node, "type", filePath, field);
        if (type != "Sequence") names.Add(type);
        switch (type)
        {
            case "NFC": steps.Add(text => UnicodeNormalize(text, NormalizationForm.FormC)); break;
            case "NFD": steps.Add(text => UnicodeNormalize(text, NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(text => UnicodeNormalize(text, NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(text => UnicodeNormalize(text, NormalizationForm.FormKD)); break;
            case "Lowercase": steps.Add(text => text.ToLowerInvariant()); break;
            case "Sequence":
                var children = JsonFields.RequiredArray(node, "normalizers", filePath, field);
                for (int i = 0; i < children.Count; i++) AddSteps(children[i], filePath, $"{field}.normalizers[{i}]", steps, names);
                break;
            default:
                throw new InputFileException(filePath,
                    $"normalizer '{type}' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence)", $"{field}.type");
        }
    }

    static string UnicodeNormalize(string text, NormalizationForm form)
    {
        try
        {
            return text.Normalize(form);
        }
        catch (ArgumentException)
        {
            // Lone surrogates make string.Normalize throw; UTF-8 round-tripping replaces them with U+FFFD first,
            // which is what encoding them would do anyway.
            return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)).Normalize(form);
        }
    }
}

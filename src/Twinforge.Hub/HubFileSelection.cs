using System.Text.RegularExpressions;

namespace Twinforge.Hub;

/// <summary>
/// Which files of a repository a model needs: its configuration, tokenizer and safetensors weights at the top level,
/// never the other weight formats (<c>*.bin</c>, <c>*.pt</c>, <c>*.h5</c>, <c>*.onnx</c>, <c>*.gguf</c>), which
/// Twinforge does not read and which would double the download; plus whatever the caller's glob patterns add
/// (fnmatch-style, as huggingface_hub's <c>allow_patterns</c>: <c>*</c> also crosses <c>/</c>).
/// </summary>
public static class HubFileSelection
{
    public static IReadOnlyList<string> DefaultNames { get; } =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "model.safetensors.index.json",
    ];

    public static IReadOnlyList<HubFile> Select(IEnumerable<HubFile> files, IReadOnlyList<string> include)
    {
        var patterns = include.Select(Glob).ToList();
        return files.Where(file => IsModelFile(file.Name) || patterns.Any(pattern => pattern.IsMatch(file.Name))).ToList();
    }

    static bool IsModelFile(string name) => !name.Contains('/', StringComparison.Ordinal)
        && (DefaultNames.Contains(name) || name.EndsWith(".safetensors", StringComparison.Ordinal));

    /// <summary>Python's fnmatch: <c>*</c> any run of characters, <c>?</c> one, <c>[...]</c> a set.</summary>
    static Regex Glob(string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                '[' or ']' => c.ToString(),
                _ => Regex.Escape(c.ToString()),
            });
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}

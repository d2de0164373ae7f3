using System.Text.RegularExpressions;
using Twinforge.Engine;

namespace Twinforge.Cli.Commands;

/// <summary>
/// Where an export may go. The new directory replaces whatever stands at <c>--output</c>, so the check comes first: a
/// new or empty directory is used; an earlier export (an adapter, a model, or a GGUF export) only with <c>--force</c>
/// and only while it holds nothing an export does not write (a user's notes beside it would be deleted with it);
/// anything else never.
/// </summary>
public static partial class ExportDestination
{
    /// <param name="destination">The --output directory, full path.</param>
    /// <param name="force">Whether --force was given: an earlier export may then be replaced.</param>
    /// <param name="inputs">The directories the export reads (its model, its adapter): never replaced, nor anything inside or around them.</param>
    public static void Require(string destination, bool force, IReadOnlyList<string>? inputs = null)
    {
        OptionChecks.RequireOutputDirectory(destination, "--output");
        foreach (var input in inputs ?? [])
            if (Overlap(destination, input))
                throw new BadInputException($"--output: {destination} would replace what the export reads ({input}): choose another --output");
        if (!Directory.Exists(destination) || !Directory.EnumerateFileSystemEntries(destination).Any()) return;
        bool earlierExport = new[] { "adapter_config.json", "config.json", ExportCommand.ModelFileName, ExportCommand.AdapterFileName }
            .Any(name => File.Exists(Path.Combine(destination, name)));
        if (!earlierExport)
            throw new BadInputException($"{destination} is not empty and holds no adapter or model: choose another --output");
        if (!force)
            throw new BadInputException($"{destination} already holds an adapter or model: add --force to replace it, or choose another --output");
        var foreign = Directory.EnumerateFileSystemEntries(destination).Select(path => Path.GetFileName(path)!)
            .Where(name => Directory.Exists(Path.Combine(destination, name)) || !ExportedFile().IsMatch(name))
            .Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
            throw new BadInputException($"{destination} holds an earlier export and files an export does not write ({string.Join(", ", foreign.Take(5))}" +
                $"{(foreign.Count > 5 ? $" and {foreign.Count - 5} more" : "")}): --force replaces only the export, so move them elsewhere first, or choose another --output");
    }

    /// <summary>Whether one path is the other or inside it.</summary>
    static bool Overlap(string first, string second)
    {
        string Normal(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;
        var (a, b) = (Normal(first), Normal(second));
        return a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);
    }

    /// <summary>
    /// The files an adapter or model directory is made of (Hugging Face's and PEFT's names) and a GGUF export's (the
    /// model or base and adapter, the Ollama Modelfile): all --force may replace.
    /// </summary>
    [GeneratedRegex(@"^(adapter_config\.json|adapter_model\.safetensors|config\.json|generation_config\.json|model(-\d+-of-\d+)?\.safetensors|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|added_tokens\.json|vocab\.json|merges\.txt|chat_template\.jinja|model\.gguf|base\.gguf|adapter\.gguf|Modelfile)$")]
    private static partial Regex ExportedFile();
}

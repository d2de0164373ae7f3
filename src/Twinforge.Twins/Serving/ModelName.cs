using System.Text.RegularExpressions;

namespace Twinforge.Twins.Serving;

/// <summary>
/// How a caller names a model to talk to (the <c>model</c> of a chat completion, the <c>fine_tuned_model</c> of a
/// fine-tuning job): a twin (<c>ana-style</c>: its latest succeeded version), a version (<c>ana-style@2</c>), an alias
/// (<c>ana-style@production</c>), each optionally with its creator first (<c>ana/ana-style@2</c>) when two creators'
/// twins share a name, or a registered base model by its name.
/// </summary>
/// <example><code>var name = ModelName.Parse("ana/ana-style@production"); // Creator "ana", Name "ana-style", Selector "production"</code></example>
public sealed partial record ModelName(string? Creator, string Name, string? Selector)
{
    /// <summary>The selector as a version number, when it is one.</summary>
    public int? VersionNumber => int.TryParse(Selector, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
        ? number
        : null;

    /// <summary>The name of <paramref name="text"/>; throws <see cref="UnknownModelException"/> when it is not one.</summary>
    public static ModelName Parse(string text)
    {
        var match = Syntax().Match(text ?? "");
        // A fine-tuning job's checkpoint (its "fine_tuned_model_checkpoint") is kept to resume and inspect the run; only
        // the version the job publishes is served.
        if (!match.Success && CheckpointSuffix().Match(text ?? "") is { Success: true } checkpoint)
            throw new UnknownModelException(text!, $"a fine-tuning job's checkpoint is not served, only the version the job publishes: ask {checkpoint.Groups["model"].Value}");
        if (!match.Success)
            throw new UnknownModelException(text ?? "", "a model is named as twin, twin@version, twin@alias or creator/twin (letters, digits, '.', '_', '-')");
        return new ModelName(match.Groups["creator"].Success ? match.Groups["creator"].Value : null, match.Groups["name"].Value,
            match.Groups["selector"].Success ? match.Groups["selector"].Value : null);
    }

    public override string ToString() => (Creator is null ? "" : Creator + "/") + Name + (Selector is null ? "" : "@" + Selector);

    // Names as the registry allows them; nothing else (no path separators, no "..") can reach a lookup.
    [GeneratedRegex(@"\A(?:(?<creator>[A-Za-z0-9][A-Za-z0-9._-]{0,127})/)?(?<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127})(?:@(?<selector>[A-Za-z0-9][A-Za-z0-9._-]{0,63}))?\z")]
    private static partial Regex Syntax();

    [GeneratedRegex(@"\A(?<model>.+):ckpt-step-[0-9]+\z")]
    private static partial Regex CheckpointSuffix();
}

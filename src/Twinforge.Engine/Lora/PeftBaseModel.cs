namespace Twinforge.Engine.Lora;

/// <summary>
/// The base an adapter was trained on, as PEFT's adapter_config.json names it: <c>base_model_name_or_path</c> and
/// <c>revision</c>. A Hub model is named by its repository id and pinned commit, so Python's
/// <c>AutoPeftModelForCausalLM.from_pretrained(adapter)</c> finds the same weights on any machine; a local base only
/// by its path.
/// </summary>
public sealed record PeftBaseModel(string NameOrPath, string? Revision = null)
{
    const string HubPrefix = "hf:";

    /// <summary>
    /// The base of a fine-tuning run: the Hub source (<c>hf:ORG/NAME@COMMIT</c>) when the run records one, else the
    /// base directory's full path.
    /// </summary>
    public static PeftBaseModel Of(string baseModelDirectory, string? baseModelSource)
    {
        if (baseModelSource is not null && baseModelSource.StartsWith(HubPrefix, StringComparison.Ordinal))
        {
            var reference = baseModelSource[HubPrefix.Length..];
            int at = reference.IndexOf('@');
            return at < 0 ? new PeftBaseModel(reference) : new PeftBaseModel(reference[..at], reference[(at + 1)..]);
        }
        return new PeftBaseModel(Path.GetFullPath(baseModelDirectory));
    }
}

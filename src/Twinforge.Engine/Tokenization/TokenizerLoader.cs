namespace Twinforge.Engine.Tokenization;

/// <summary>
/// Loads whatever tokenizer a model directory holds: a tokenizer.json written by <see cref="ByteLevelTokenizer.Save"/>
/// (256 byte symbols at their byte values, no merges) comes back as a <see cref="ByteLevelTokenizer"/>; any other
/// byte-level BPE (tokenizer.json, or vocab.json + merges.txt) as a <see cref="HuggingFaceTokenizer"/>.
/// </summary>
/// <example><code>ITokenizer tokenizer = TokenizerLoader.Load("runs/my-twin/model");</code></example>
public static class TokenizerLoader
{
    /// <param name="directory">The directory with tokenizer.json (or vocab.json + merges.txt) and tokenizer_config.json.</param>
    /// <param name="chatTemplateName">"chatml", "llama3" or "plain" to override the detected chat format.</param>
    /// <exception cref="InputFileException">A file is missing, malformed, or describes an unsupported tokenizer.</exception>
    public static ITokenizer Load(string directory, string? chatTemplateName = null)
    {
        var definition = TokenizerFileReader.Read(directory);
        return (ITokenizer?)ByteLevelTokenizer.TryCreate(definition, chatTemplateName)
            ?? new HuggingFaceTokenizer(definition, chatTemplateName);
    }
}

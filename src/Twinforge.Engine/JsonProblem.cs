using System.Text.Json;

namespace Twinforge.Engine;

/// <summary>
/// What System.Text.Json found wrong, in the reader's own words ("'}' is an invalid start of a value") without the
/// ". Path: … | LineNumber: … | BytePositionInLine: …" it appends (where the problem is, is reported apart, as a file,
/// line and column or a request's line and byte) or its advice on reader options, which is for programmers.
/// </summary>
public static class JsonProblem
{
    public static string Reason(JsonException error)
    {
        var message = error.Message;
        foreach (var tail in new[] { " Path:", " LineNumber:" })
        {
            int cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message.Replace(" Change the reader options.", "").Replace(" which is not supported in this mode", "").TrimEnd(' ', '.');
    }

    /// <summary>Why a string that <see cref="IsUndecodableText"/> refused is no text, for a message after the field's name.</summary>
    public const string UndecodableText =
        "is not valid Unicode text: it holds a \\uD800–\\uDFFF escape that is not half of a pair (a lone surrogate), or bytes that are not UTF-8";

    /// <summary>
    /// A JSON string that parsed but does not decode, which System.Text.Json reports only when the string is read, and
    /// then not as a <see cref="JsonException"/>: "Cannot read incomplete UTF-16 JSON text as string with missing low
    /// surrogate", "Cannot read invalid UTF-16 JSON text as string", "Cannot transcode invalid UTF-8 JSON text to UTF-16
    /// string".
    /// </summary>
    public static bool IsUndecodableText(Exception? error) =>
        error is InvalidOperationException { Message: var message }
        && (message.Contains("UTF-16 JSON text", StringComparison.Ordinal) || message.Contains("invalid UTF-8 JSON text", StringComparison.Ordinal));
}

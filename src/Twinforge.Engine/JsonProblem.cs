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
}

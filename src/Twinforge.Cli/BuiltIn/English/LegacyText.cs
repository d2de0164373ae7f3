using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Decodes text that is UTF-8 in the main but, in old files, sometimes Windows-1252 (GCIDE has entries pasted with
/// curly quotes as bytes 0x91–0x94): strict UTF-8 first, and if that fails, Windows-1252 for the whole piece, so a
/// curly quote stays a curly quote instead of turning into a replacement character.
/// </summary>
public static class LegacyText
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Windows-1252's 0x80–0x9F (the rest of its upper half is Latin-1); unassigned bytes map to nothing.</summary>
    const string Windows1252High =
        "\u20AC\0\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\0\u017D\0" +
        "\0\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\0\u017E\u0178";

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            var text = new StringBuilder(bytes.Length);
            foreach (var value in bytes)
            {
                if (value is >= 0x80 and <= 0x9F)
                {
                    var character = Windows1252High[value - 0x80];
                    if (character != '\0') text.Append(character);
                }
                else text.Append((char)value);
            }
            return text.ToString();
        }
    }
}

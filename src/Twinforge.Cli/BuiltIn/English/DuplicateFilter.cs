using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Cli.BuiltIn.English;

/// <summary>
/// Keeps the first of documents that are the same: exactly (the same normalised text, by its SHA-256) or nearly (the
/// same first <see cref="NearKeyLength"/> characters once case, punctuation and spacing are set aside — the same
/// quotation with another attribution, or one entry of two dictionaries' editions). Cheap enough for tens of
/// megabytes; text repeated inside longer documents is not looked for.
/// </summary>
public sealed class DuplicateFilter
{
    /// <summary>How many folded characters make the near-duplicate key.</summary>
    public const int NearKeyLength = 200;

    readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    readonly HashSet<string> _near = new(StringComparer.Ordinal);

    /// <summary>Why <paramref name="normalized"/> repeats a document seen before ("exact" or "near"), or null when it is new (and now seen).</summary>
    public string? Repeat(string normalized, byte[] sha256)
    {
        var exact = Convert.ToHexString(sha256);
        if (!_exact.Add(exact)) return "exact";
        if (!_near.Add(NearKey(normalized))) return "near";
        return null;
    }

    /// <summary>The SHA-256 of the document's UTF-8 bytes: its identity for exact duplicates and for the held-out split.</summary>
    public static byte[] Hash(string normalized) => SHA256.HashData(Encoding.UTF8.GetBytes(normalized));

    /// <summary>The first <see cref="NearKeyLength"/> letters and digits, lower-cased, words separated by one space.</summary>
    public static string NearKey(string text)
    {
        var key = new StringBuilder(NearKeyLength);
        bool pendingSpace = false;
        foreach (var character in text)
        {
            if (char.IsLetterOrDigit(character))
            {
                if (pendingSpace && key.Length > 0) key.Append(' ');
                if (key.Length >= NearKeyLength) break;
                key.Append(char.ToLowerInvariant(character));
                pendingSpace = false;
            }
            else if (char.IsWhiteSpace(character)) pendingSpace = true;
            if (key.Length >= NearKeyLength) break;
        }
        return key.ToString();
    }
}

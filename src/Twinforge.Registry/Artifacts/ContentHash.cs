using System.Security.Cryptography;

namespace Twinforge.Registry.Artifacts;

/// <summary>
/// Content hashes as the registry and the artifact store write them: SHA-256 as 64 lowercase hex digits. Hashes are
/// also file names in the store, so one is always checked before it is used as a path.
/// </summary>
public static class ContentHash
{
    public static bool IsValid(string? hash) =>
        hash is { Length: 64 } && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>Returns <paramref name="hash"/> if it is a well-formed content hash, else throws naming it.</summary>
    public static string Require(string hash, string? what = null)
    {
        if (!IsValid(hash))
            throw new ArgumentException($"{what ?? "content hash"} '{hash}' is not a SHA-256 hash (64 lowercase hex digits)");
        return hash;
    }

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Of(Stream content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

using System.Security.Cryptography;
using System.Text;

namespace Twinforge.Service.Auth;

/// <summary>
/// API keys: "tf-" and 43 random base64url characters (256 bits). Only the SHA-256 of a key is ever stored — a
/// plain hash suffices for a key of that entropy (no dictionary to attack, unlike a password) and lets a request's
/// key be found by an index look-up. The hint keeps a few characters for people to tell keys apart.
/// </summary>
public static class ApiKeySecrets
{
    public const string Prefix = "tf-";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of the key's UTF-8 bytes, lowercase hex (the registry's hash format).</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Hint(string key) => key.Length <= 12 ? Prefix + "…" : $"{key[..7]}…{key[^4..]}";

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

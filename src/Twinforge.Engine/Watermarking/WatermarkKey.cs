using System.Security.Cryptography;

namespace Twinforge.Engine.Watermarking;

/// <summary>
/// The secret that seeds a watermark's green lists, with the id it is known by (an organisation's key id, say).
/// Whoever holds the secret can both write and detect the watermark, so it is kept like a password.
/// </summary>
/// <example><code>
/// var key = WatermarkKey.Create("org-acme-2026");                 // 32 random bytes
/// var again = WatermarkKey.FromHex(key.KeyId, key.SecretHex());   // from stored bytes
/// </code></example>
public sealed record WatermarkKey(string KeyId, byte[] Secret)
{
    /// <summary>Fewer secret bytes than this would let the green lists be guessed by trying every key.</summary>
    public const int MinimumSecretBytes = 16;

    /// <summary>The length of a key made by <see cref="Create"/>: HMAC-SHA256's block of security.</summary>
    public const int CreatedSecretBytes = 32;

    public string KeyId { get; init => field = ValidKeyId(value); } = ValidKeyId(KeyId);

    /// <summary>The secret bytes: a copy of those given, so the caller's array can change without changing the key.</summary>
    public byte[] Secret { get; init => field = ValidSecret(value); } = ValidSecret(Secret);

    /// <summary>A new key of <see cref="CreatedSecretBytes"/> bytes from the operating system's secure generator.</summary>
    public static WatermarkKey Create(string keyId) => new(keyId, RandomNumberGenerator.GetBytes(CreatedSecretBytes));

    /// <summary>A key from its secret written as hexadecimal (as <see cref="SecretHex"/> writes it).</summary>
    public static WatermarkKey FromHex(string keyId, string secretHex)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromHexString(secretHex.Trim());
        }
        catch (FormatException)
        {
            throw new ArgumentException("a watermark key's secret must be hexadecimal digits (two per byte)", nameof(secretHex));
        }
        return new WatermarkKey(keyId, secret);
    }

    /// <summary>
    /// A key derived from a master secret and a key id (HMAC-SHA256 of the id under the master secret): one stored
    /// secret can serve every organisation, each with a key of its own that reveals nothing of the others'.
    /// </summary>
    public static WatermarkKey Derive(byte[] masterSecret, string keyId)
    {
        ValidSecret(masterSecret);
        return new WatermarkKey(keyId, HMACSHA256.HashData(masterSecret, System.Text.Encoding.UTF8.GetBytes("twinforge.watermark.key:" + ValidKeyId(keyId))));
    }

    /// <summary>The secret as lowercase hexadecimal.</summary>
    public string SecretHex() => Convert.ToHexStringLower(Secret);

    // Records compare arrays by reference; two keys with the same id and secret bytes are the same key.
    public bool Equals(WatermarkKey? other) =>
        other is not null && KeyId == other.KeyId && CryptographicOperations.FixedTimeEquals(Secret, other.Secret);

    public override int GetHashCode() => HashCode.Combine(KeyId, Secret.Length);

    // Never the secret: keys end up in logs through the records that hold them.
    public override string ToString() => $"WatermarkKey {{ KeyId = {KeyId} }}";

    static string ValidKeyId(string keyId) =>
        string.IsNullOrWhiteSpace(keyId) ? throw new ArgumentException("a watermark key needs a non-empty key id", nameof(KeyId)) : keyId;

    static byte[] ValidSecret(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret, nameof(Secret));
        if (secret.Length < MinimumSecretBytes)
            throw new ArgumentException($"a watermark key's secret must have at least {MinimumSecretBytes} bytes, got {secret.Length}", nameof(Secret));
        return (byte[])secret.Clone();
    }
}

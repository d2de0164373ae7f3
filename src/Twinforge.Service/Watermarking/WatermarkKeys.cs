using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Twinforge.Engine.Generation;
using Twinforge.Engine.Watermarking;
using Twinforge.Registry.Records;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Watermarking;

/// <summary>
/// The service's watermark keys, a singleton: one master secret (<see cref="WatermarkOptions.MasterSecretPath"/>, or
/// the data directory's own, created on the first start: <see cref="SecretFile"/>) from which each organisation's key
/// is derived (<see cref="WatermarkKey.Derive"/>) under a key id naming the organisation and the key's version,
/// <c>wm-org-…-1</c>. Keys differ per organisation, reveal nothing of one another, and are the same in every process
/// that shares the secret. The secret is never logged.
/// </summary>
public sealed class WatermarkKeys
{
    public const string DefaultFileName = "watermark-master-secret";

    /// <summary>The version every key id ends with: the keys derived from this master secret.</summary>
    public const int KeyVersion = 1;

    readonly byte[] masterSecret;

    public WatermarkKeys(ServiceStorage storage, IOptions<ServiceOptions> options, ILogger<WatermarkKeys> logger)
    {
        (Path, var created) = SecretFile.Locate(options.Value.Watermark.MasterSecretPath, System.IO.Path.Combine(storage.DataDirectory, DefaultFileName),
            "Twinforge:Watermark:MasterSecretPath", $"a file of at least {WatermarkKey.MinimumSecretBytes} bytes in hexadecimal",
            () => System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(WatermarkKey.CreatedSecretBytes)) + "\n"));
        try
        {
            masterSecret = Convert.FromHexString(File.ReadAllText(Path).Trim());
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"'{Path}' is not a watermark master secret: expected hexadecimal digits only", e);
        }
        if (masterSecret.Length < WatermarkKey.MinimumSecretBytes)
            throw new InvalidOperationException($"'{Path}' holds {masterSecret.Length} bytes; a watermark master secret needs at least {WatermarkKey.MinimumSecretBytes}");
        if (created) logger.LogInformation("created the watermark master secret at {Path}", Path);
    }

    /// <summary>Where the master secret is.</summary>
    public string Path { get; }

    /// <summary>The id of <paramref name="organisation"/>'s key, which provenance records and detections name.</summary>
    public static string KeyIdOf(Organisation organisation) => $"wm-{organisation.PublicId}-{KeyVersion}";

    /// <summary>The watermark of <paramref name="organisation"/>'s key, at the engine's δ and γ, for generating and for detecting.</summary>
    public WatermarkSettings SettingsOf(Organisation organisation) => new(WatermarkKey.Derive(masterSecret, KeyIdOf(organisation)));

    /// <summary>
    /// <paramref name="generation"/> with <paramref name="organisation"/>'s watermark, or with none when the organisation
    /// switched watermarking off: what every completion of the organisation is generated with.
    /// </summary>
    public GenerationOptions Apply(Organisation organisation, GenerationOptions generation) =>
        generation with { Watermark = organisation.WatermarkCompletions ? SettingsOf(organisation) : null };
}

using System.Security.Cryptography;

namespace Twinforge.Service.Hosting;

/// <summary>
/// The ids the API hands out: a prefix naming the kind ("file", "creator", "org", "key", "ftjob", "ftevent", "ftckpt", "prov") and 24 random lowercase
/// letters and digits (about 124 bits), so ids reveal neither counts nor order. An id from a request is only ever
/// compared with this format and then looked up in the database — never used as a path.
/// </summary>
public static class PublicIds
{
    public const string File = "file";
    public const string Creator = "creator";
    public const string Organisation = "org";
    public const string Key = "key";
    public const string FineTuningJob = "ftjob";
    public const string JobEvent = "ftevent";
    public const string JobCheckpoint = "ftckpt";
    public const string Provenance = "prov";

    const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const int RandomLength = 24;

    public static string New(string kind) => $"{kind}-{RandomNumberGenerator.GetString(Alphabet, RandomLength)}";

    public static bool IsValid(string kind, string? id) =>
        id is not null && id.Length == kind.Length + 1 + RandomLength && id.StartsWith(kind + "-", StringComparison.Ordinal)
        && id.AsSpan(kind.Length + 1).IndexOfAnyExcept(Alphabet) < 0;
}

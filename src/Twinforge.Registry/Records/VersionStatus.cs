namespace Twinforge.Registry.Records;

/// <summary>
/// Where a twin version is in its life. Pending → Training → Succeeded or Failed; Deleted is reached only through
/// consent withdrawal, and a deleted version is never served, promoted or updated from.
/// </summary>
public enum VersionStatus
{
    Pending,
    Training,
    Succeeded,
    Failed,
    Deleted,
}

public static class VersionStatusNames
{
    /// <summary>The lowercase name stored in the database and shown to users.</summary>
    public static string Name(this VersionStatus status) => status switch
    {
        VersionStatus.Pending => "pending",
        VersionStatus.Training => "training",
        VersionStatus.Succeeded => "succeeded",
        VersionStatus.Failed => "failed",
        VersionStatus.Deleted => "deleted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>The status as a sentence says it of a version: "version 3 failed", "version 2 is training".</summary>
    public static string Stated(this VersionStatus status) => status switch
    {
        VersionStatus.Pending => "is pending",
        VersionStatus.Training => "is training",
        VersionStatus.Succeeded => "succeeded",
        VersionStatus.Failed => "failed",
        VersionStatus.Deleted => "was deleted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static VersionStatus Parse(string name) => name switch
    {
        "pending" => VersionStatus.Pending,
        "training" => VersionStatus.Training,
        "succeeded" => VersionStatus.Succeeded,
        "failed" => VersionStatus.Failed,
        "deleted" => VersionStatus.Deleted,
        _ => throw new FormatException($"'{name}' is not a version status"),
    };

    /// <summary>The transitions a caller may make; Deleted is reserved for consent withdrawal.</summary>
    public static bool CanMoveTo(this VersionStatus from, VersionStatus to) => (from, to) switch
    {
        (VersionStatus.Pending, VersionStatus.Training or VersionStatus.Succeeded or VersionStatus.Failed) => true,
        (VersionStatus.Training, VersionStatus.Succeeded or VersionStatus.Failed) => true,
        _ => false,
    };
}

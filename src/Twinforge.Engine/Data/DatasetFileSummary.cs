namespace Twinforge.Engine.Data;

/// <summary>What one file contributed.</summary>
/// <param name="Path">The file.</param>
/// <param name="Format">The format it was read as (detected or given), or null when it could not be read or told.</param>
/// <param name="Documents">Documents kept from it.</param>
/// <param name="Examples">Examples kept from it (after the over-long policy).</param>
/// <param name="Overlong">What the over-long policy did to its documents.</param>
/// <param name="Label">How people know the file, when its path is not it (<see cref="DatasetOptions.FileLabels"/>).</param>
public sealed record DatasetFileSummary(string Path, DatasetFormat? Format, int Documents, int Examples, OverlongCounts Overlong,
    string? Label = null)
{
    /// <summary>The label, or else the path: what messages name the file by.</summary>
    public string Name => Label ?? Path;
}

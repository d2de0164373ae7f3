namespace Twinforge.Hub;

/// <summary>
/// A Hub model in the cache: <see cref="Pinned"/> names it at its commit (what a run records), <see cref="Directory"/>
/// is its snapshot, a Hugging Face model directory to load; <see cref="DownloadedBytes"/> is the size of the files that
/// were not whole in the cache before (0 when nothing had to be fetched).
/// </summary>
public sealed record PulledModel(HubModelReference Pinned, string Directory, long DownloadedBytes, IReadOnlyList<string> Files)
{
    public string Commit => Pinned.Revision;
}

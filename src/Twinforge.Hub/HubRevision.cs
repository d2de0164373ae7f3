namespace Twinforge.Hub;

/// <summary>A revision resolved: the commit it points to and every file of it.</summary>
public sealed record HubRevision(string Commit, IReadOnlyList<HubFile> Files);

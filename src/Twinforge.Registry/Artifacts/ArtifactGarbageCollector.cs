namespace Twinforge.Registry.Artifacts;

/// <summary>
/// Deletes artifacts that nothing in the registry records — orphans of a crash between writing an artifact and
/// recording it, or leftovers of deletions. Only artifacts older than a grace period are touched, so an artifact
/// that a running job has just written and is about to record is safe; the grace period must exceed the longest gap
/// between a put and its recording (a re-put of existing content renews its time).
/// </summary>
public static class ArtifactGarbageCollector
{
    /// <returns>The hashes deleted.</returns>
    public static IReadOnlyList<string> CollectGarbage(ITwinRegistry registry, IArtifactStore store, TimeSpan minAge, TimeProvider? clock = null)
    {
        if (minAge < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minAge), minAge, "the grace period cannot be negative");
        var cutoff = (clock ?? TimeProvider.System).GetUtcNow() - minAge;
        // List the store before reading the references: anything recorded after the listing is then still kept.
        var candidates = store.List().Where(a => a.WrittenAt <= cutoff).ToList();
        var recorded = registry.ListRecordedArtifactHashes();
        // Re-list so that content re-put since the first listing (its time renewed) is not taken for an old orphan.
        var stillOld = store.List().Where(a => a.WrittenAt <= cutoff).Select(a => a.ContentHash).ToHashSet();
        var deleted = new List<string>();
        foreach (var artifact in candidates)
        {
            if (recorded.Contains(artifact.ContentHash) || !stillOld.Contains(artifact.ContentHash)) continue;
            if (store.Delete(artifact.ContentHash)) deleted.Add(artifact.ContentHash);
        }
        return deleted;
    }
}

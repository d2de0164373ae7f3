namespace Twinforge.Twins;

/// <summary>What a training run of a version does with what it made (see <see cref="VersionTrainer.Train"/>).</summary>
public enum ArtifactHandling
{
    /// <summary>The weights and the report go into the store, to be recorded with the version.</summary>
    Store,

    /// <summary>The weights are hashed as the store would name them, and nothing is stored (a rebuild).</summary>
    HashOnly,

    /// <summary>Nothing is stored or hashed (a run that only measures its loss).</summary>
    None,
}

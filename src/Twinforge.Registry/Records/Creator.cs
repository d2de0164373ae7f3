namespace Twinforge.Registry.Records;

/// <summary>A person whose face, voice or words a twin is built from. Names are unique across the registry.</summary>
public sealed record Creator(long Id, string Name, DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The organisation a creator made through the service belongs to (<see cref="Organisation"/>); null for the
    /// command line's creators, which belong to whoever runs it.
    /// </summary>
    public long? OrganisationId { get; init; }

    /// <summary>
    /// The name an organisation gave its creator. Such creators are named in the registry by their public id
    /// ("creator-…"), since registry names are unique across every organisation while each chooses its own freely.
    /// </summary>
    public string? DisplayName { get; init; }
}

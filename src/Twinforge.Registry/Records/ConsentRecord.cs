namespace Twinforge.Registry.Records;

/// <summary>
/// One grant of consent by a creator for one scope (see <see cref="ConsentScopes"/>). It is valid from
/// <see cref="GivenAt"/> until it is withdrawn; a withdrawn record is kept so the history stays auditable.
/// </summary>
public sealed record ConsentRecord(
    long Id,
    long CreatorId,
    string Scope,
    DateTimeOffset GivenAt,
    DateTimeOffset? WithdrawnAt,
    string? Note)
{
    public bool IsValid => WithdrawnAt is null;

    /// <summary>Whether this record, while valid, permits use of data of <paramref name="scope"/>.</summary>
    public bool Covers(string scope) => Scope == ConsentScopes.All || Scope == scope;
}

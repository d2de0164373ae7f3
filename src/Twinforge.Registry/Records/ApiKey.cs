namespace Twinforge.Registry.Records;

/// <summary>
/// A credential of the service, recorded only as the SHA-256 of the key (never the key), with <see cref="Hint"/>, a
/// few of its characters for people to tell keys apart. An admin key has no <see cref="OrganisationId"/>; every other
/// key acts for its organisation, and uploads through it go to <see cref="DefaultCreatorId"/> unless they name a
/// creator. A revoked key (<see cref="RevokedAt"/>) is kept for the record but never accepted again.
/// </summary>
public sealed record ApiKey(
    long Id,
    string PublicId,
    long? OrganisationId,
    string Name,
    string Hint,
    long? DefaultCreatorId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt)
{
    public bool IsAdmin => OrganisationId is null;
}

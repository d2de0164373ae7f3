namespace Twinforge.Registry.Records;

/// <summary>
/// A file an organisation uploaded: a name for one of its creators' datasets (<see cref="DatasetId"/>), which holds the
/// content. Several uploads of the same content are several files of one dataset. The file goes when its dataset goes
/// (consent withdrawn); deleting the last file of a dataset that no version was built from deletes the dataset.
/// </summary>
public sealed record UploadedFile(
    long Id,
    string PublicId,
    long OrganisationId,
    long DatasetId,
    long CreatorId,
    string Filename,
    long Bytes,
    string Purpose,
    DateTimeOffset CreatedAt);

namespace Twinforge.Registry.Records;

/// <summary>What the caller supplies to record an uploaded file; see <see cref="UploadedFile"/>.</summary>
public sealed record NewUploadedFile(string PublicId, long OrganisationId, long DatasetId, string Filename, long Bytes, string Purpose);

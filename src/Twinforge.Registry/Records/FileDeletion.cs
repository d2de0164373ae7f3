namespace Twinforge.Registry.Records;

/// <summary>
/// The outcome of deleting an uploaded file. <see cref="Audit"/> and <see cref="Artifacts"/> are set when the file was
/// the last of a dataset no version was built from, so the dataset went with it (audited and erased like a consent
/// withdrawal); otherwise only the file's record went and the dataset stays, governed by consent.
/// </summary>
public sealed record FileDeletion(UploadedFile File, AuditRecord? Audit, PendingDeletionReport Artifacts);

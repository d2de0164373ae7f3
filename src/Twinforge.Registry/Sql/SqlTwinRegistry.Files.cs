using System.Data.Common;
using Twinforge.Registry.Artifacts;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Records;

namespace Twinforge.Registry.Sql;

// Uploaded files: an organisation's names for its creators' datasets. Reads name the organisation in their WHERE
// clause; a withdrawal deletes the files of the datasets it deletes (SqlTwinRegistry.ConsentWithdrawal.cs).
internal sealed partial class SqlTwinRegistry
{
    const string FileColumns = "f.id, f.public_id, f.organisation_id, f.dataset_id, d.creator_id, f.filename, f.bytes, f.purpose, f.created_at";
    const string FilesWithDatasets = "files f JOIN datasets d ON d.id = f.dataset_id";

    /// <summary>The tables deleting a file (and perhaps its dataset) deletes rows from, and the journal.</summary>
    static readonly string[] FileDeletionTables = ["files", "datasets", "deletion_journal"];

    public UploadedFile RecordFile(NewUploadedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        Names.RequireIdentifier(file.PublicId, "file id");
        Names.RequireName(file.Filename, "file name");
        Names.RequireIdentifier(file.Purpose, "file purpose");
        ArgumentOutOfRangeException.ThrowIfNegative(file.Bytes);
        try
        {
            return Write(s =>
            {
                var dataset = s.QuerySingle("SELECT d.id, d.creator_id FROM datasets d WHERE d.id = @id", r => new long[] { r.Int64(0), r.Int64(1) },
                    ("id", file.DatasetId)) ?? throw new UnknownEntityException("dataset", $"with id {file.DatasetId}");
                // The creator's row, shared: a withdrawal (which locks it for update) runs wholly before or after this,
                // so it either finds this file to delete with the dataset or has deleted the dataset already.
                if (FindOrganisationCreator(s, file.OrganisationId, dataset[1], dialect.ForShareOf("c")) is null)
                    throw new UnknownEntityException("dataset", $"with id {file.DatasetId} in this organisation");
                if (s.Scalar("SELECT 1 FROM datasets d WHERE d.id = @id", ("id", file.DatasetId)) is null)
                    throw new UnknownEntityException("dataset", $"with id {file.DatasetId}");
                var now = Now();
                var id = s.InsertReturningId(
                    """
                    INSERT INTO files (public_id, organisation_id, dataset_id, filename, bytes, purpose, created_at)
                    VALUES (@public, @organisation, @dataset, @filename, @bytes, @purpose, @at) RETURNING id
                    """,
                    ("public", file.PublicId), ("organisation", file.OrganisationId), ("dataset", file.DatasetId), ("filename", file.Filename),
                    ("bytes", file.Bytes), ("purpose", file.Purpose), ("at", s.Time(now)));
                return new UploadedFile(id, file.PublicId, file.OrganisationId, file.DatasetId, dataset[1], file.Filename, file.Bytes, file.Purpose, now);
            });
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new DuplicateEntityException("file", $"with id '{file.PublicId}'", e);
        }
    }

    public UploadedFile? FindFile(long organisationId, string publicId) => Read(s => FindFile(s, organisationId, publicId));

    public IReadOnlyList<UploadedFile> ListFiles(long organisationId, string? purpose = null) => Read(s => purpose is null
        ? s.Query($"SELECT {FileColumns} FROM {FilesWithDatasets} WHERE f.organisation_id = @organisation ORDER BY f.id DESC",
            r => ReadFile(s, r), ("organisation", organisationId))
        : s.Query($"SELECT {FileColumns} FROM {FilesWithDatasets} WHERE f.organisation_id = @organisation AND f.purpose = @purpose ORDER BY f.id DESC",
            r => ReadFile(s, r), ("organisation", organisationId), ("purpose", purpose)));

    public FileDeletion? DeleteFile(long organisationId, string publicId, string deletedBy, IArtifactStore artifacts)
    {
        Names.RequireName(deletedBy, "deleted by");
        ArgumentNullException.ThrowIfNull(artifacts);
        var deleted = Write(s => DeleteFile(s, organisationId, publicId, deletedBy));
        if (deleted is null) return null;
        try
        {
            return new FileDeletion(deleted.Value.File, deleted.Value.Audit,
                deleted.Value.Audit is null ? PendingDeletionReport.Empty : CompletePendingDeletions(artifacts));
        }
        finally
        {
            // The file's row held its name; the dataset's, when it went too, its files' names and statistics.
            dialect.EraseDeletedContent(FileDeletionTables);
        }
    }

    (UploadedFile File, AuditRecord? Audit)? DeleteFile(SqlSession s, long organisationId, string publicId, string deletedBy)
    {
        if (FindFile(s, organisationId, publicId) is not { } found) return null;
        // The creator first, as a withdrawal locks it, so the two queue rather than deadlock; then the file again,
        // which a withdrawal that ran meanwhile may have deleted.
        RequireCreator(s, found.CreatorId, dialect.ForUpdateOf("c"));
        if (FindFile(s, organisationId, publicId) is not { } file) return null;
        s.Execute("DELETE FROM files WHERE id = @id", ("id", file.Id));

        // The dataset goes with its last file unless a version was built from it: that version's record (lineage,
        // rebuilds) needs it, and consent, not the file, governs it from then on.
        var stillNamed = s.Scalar("SELECT 1 FROM files WHERE dataset_id = @dataset", ("dataset", file.DatasetId)) is not null;
        var trainedOn = s.Scalar("SELECT 1 FROM version_datasets WHERE dataset_id = @dataset", ("dataset", file.DatasetId)) is not null;
        if (stillNamed || trainedOn) return (file, null);
        var dataset = RequireDataset(s, file.DatasetId);
        s.Execute("DELETE FROM datasets WHERE id = @id", ("id", dataset.Id));
        var candidates = dataset.StoredArtifactHash is { } stored ? new[] { stored } : [];
        var audit = RecordDeletion(s, new AuditRecord(0, AuditRecord.FileDeleted, dataset.CreatorId, dataset.ConsentScope, $"file {file.PublicId} deleted",
            deletedBy, Now(), [dataset.Id], [dataset.ContentHash], [], 0, ArtifactsToDelete(s, candidates)));
        return (file, audit);
    }

    static UploadedFile? FindFile(SqlSession s, long organisationId, string publicId) =>
        s.QuerySingle($"SELECT {FileColumns} FROM {FilesWithDatasets} WHERE f.organisation_id = @organisation AND f.public_id = @public",
            r => ReadFile(s, r), ("organisation", organisationId), ("public", publicId));

    static UploadedFile ReadFile(SqlSession s, DbDataReader r) => new(
        r.Int64(0), r.GetString(1), r.Int64(2), r.Int64(3), r.Int64(4), r.GetString(5), r.Int64(6), r.GetString(7), s.ReadTime(r, 8));
}

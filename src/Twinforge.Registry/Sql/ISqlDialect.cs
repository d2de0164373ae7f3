using System.Data.Common;

namespace Twinforge.Registry.Sql;

/// <summary>
/// What differs between the two back-ends; everything else — every query and table — is shared SQL. Kept small on
/// purpose: column types for ids and times, how a write transaction takes its lock, row-lock clauses, and how errors
/// are classified.
/// </summary>
internal interface ISqlDialect : IDisposable
{
    /// <summary>Where the registry is, for messages (never includes a password).</summary>
    string Location { get; }

    DbConnection OpenConnection();

    /// <summary>The column type of an auto-assigned 64-bit primary key.</summary>
    string IdColumnType { get; }

    /// <summary>The column type of a UTC timestamp.</summary>
    string TimestampColumnType { get; }

    /// <summary>
    /// Appended to a SELECT that must lock the rows of the named table aliases until commit ("" where the write
    /// transaction already serialises writers).
    /// </summary>
    string ForUpdateOf(params string[] tableAliases);

    /// <summary>Like <see cref="ForUpdateOf"/>, but other transactions may share the lock (they only need the rows to stay).</summary>
    string ForShareOf(params string[] tableAliases);

    DbTransaction BeginWrite(DbConnection connection);
    DbTransaction BeginRead(DbConnection connection);

    /// <summary>Serialises schema migrations between processes for the rest of the transaction.</summary>
    void LockForMigration(DbConnection connection, DbTransaction transaction);

    /// <summary>
    /// Makes the writers that register <paramref name="contentHash"/> for different creators queue for the rest of
    /// the transaction, so that the check "no one nearby holds this content" and the insert act as one (nothing where
    /// the write transaction already serialises writers).
    /// </summary>
    void LockContent(SqlSession session, string contentHash);

    /// <summary>The statements that apply <paramref name="migration"/> on this back-end.</summary>
    IReadOnlyList<string> StatementsOf(Migrations.Migration migration);

    object ToParameter(DateTimeOffset time);
    DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    bool IsUniqueViolation(DbException error);

    /// <summary>The database gave up waiting for, or detected a clash with, another writer.</summary>
    bool IsWriteConflict(DbException error);

    /// <summary>
    /// Erasure: removes what rows deleted or overwritten in <paramref name="tables"/> left in the database's storage
    /// (free pages, free space inside pages, dead row versions, the write-ahead log), so that the old content cannot be
    /// read from the files. Runs on its own connection, outside any transaction, after the deleting one committed.
    /// </summary>
    void EraseDeletedContent(IReadOnlyList<string> tables);
}

using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Twinforge.Registry.Sql;

/// <summary>
/// SQLite: one file, no server. Every write transaction is BEGIN IMMEDIATE, which takes the database's write lock at
/// the start, so writers are serialised and never fail half-way on a lock upgrade; readers keep reading alongside in
/// WAL mode. Times are stored as fixed-width ISO-8601 UTC text with microseconds, which sorts correctly. Every
/// connection has secure_delete on, so what a deletion frees is overwritten with zeros rather than left readable.
/// </summary>
internal sealed class SqliteDialect : ISqlDialect
{
    const int SqliteBusy = 5, SqliteLocked = 6, SqliteConstraint = 19;
    const int SqliteConstraintPrimaryKey = 1555, SqliteConstraintUnique = 2067;
    const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    readonly string connectionString;
    readonly TimeSpan busyTimeout;

    public SqliteDialect(string path, TimeSpan busyTimeout)
    {
        this.busyTimeout = busyTimeout;
        Location = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Location)!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Location,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy database until the command timeout: how long a writer waits for another.
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        }.ToString();
        using var connection = OpenConnection();
        // WAL lets readers proceed while one process writes; the setting is stored in the file.
        Execute(connection, "PRAGMA journal_mode=WAL;");
    }

    public string Location { get; }
    public string IdColumnType => "INTEGER PRIMARY KEY";
    public string TimestampColumnType => "TEXT";
    public string ForUpdateOf(params string[] tableAliases) => "";
    public string ForShareOf(params string[] tableAliases) => "";

    public DbConnection OpenConnection()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Per connection, not stored in the file: without it deleted rows stay in free pages and free space in pages.
        Execute(connection, "PRAGMA secure_delete = ON;");
        return connection;
    }

    public DbTransaction BeginWrite(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false);

    public DbTransaction BeginRead(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: true);

    // BEGIN IMMEDIATE already holds the write lock.
    public void LockForMigration(DbConnection connection, DbTransaction transaction) { }

    public void LockContent(SqlSession session, string contentHash) { }

    public IReadOnlyList<string> StatementsOf(Migrations.Migration migration) => migration.SqliteStatements ?? migration.Statements;

    public object ToParameter(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public bool IsUniqueViolation(DbException error) =>
        error is SqliteException { SqliteErrorCode: SqliteConstraint } e
        && e.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey;

    public bool IsWriteConflict(DbException error) => error is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    /// <summary>
    /// secure_delete zeroes what deletions free, but the write-ahead log still holds the pages as they were before, and
    /// a file written before secure_delete was on may hold older leftovers. VACUUM rewrites the whole file from its
    /// live rows; the TRUNCATE checkpoint then copies the log into the file and empties it.
    /// </summary>
    public void EraseDeletedContent(IReadOnlyList<string> tables)
    {
        using var connection = OpenConnection();
        Execute(connection, "VACUUM;");
        // A checkpoint cannot finish while another connection reads an older snapshot; retry for as long as a writer
        // would wait. Should readers outlast that, the log is emptied by the next complete checkpoint, and SQLite
        // deletes it when the last connection closes (as the command line's does on exit).
        var deadline = DateTime.UtcNow + busyTimeout;
        while (Convert.ToInt64(Scalar(connection, "PRAGMA wal_checkpoint(TRUNCATE);")) != 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(TimeSpan.FromMilliseconds(20));
    }

    static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row (for wal_checkpoint: 1 when readers kept it from finishing).</summary>
    static object? Scalar(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        // Close pooled handles so the file can be moved or deleted once the registry is disposed.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}

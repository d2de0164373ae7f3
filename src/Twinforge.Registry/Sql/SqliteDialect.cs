using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Twinforge.Registry.Sql;

/// <summary>
/// SQLite: one file, no server. Every write transaction is BEGIN IMMEDIATE, which takes the database's write lock at
/// the start, so writers are serialised and never fail half-way on a lock upgrade; readers keep reading alongside in
/// WAL mode. Times are stored as fixed-width ISO-8601 UTC text with microseconds, which sorts correctly.
/// </summary>
internal sealed class SqliteDialect : ISqlDialect
{
    const int SqliteBusy = 5, SqliteLocked = 6, SqliteConstraint = 19;
    const int SqliteConstraintPrimaryKey = 1555, SqliteConstraintUnique = 2067;
    const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    readonly string connectionString;

    public SqliteDialect(string path, TimeSpan busyTimeout)
    {
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
        using var command = connection.CreateCommand();
        // WAL lets readers proceed while one process writes; the setting is stored in the file.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
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
        return connection;
    }

    public DbTransaction BeginWrite(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false);

    public DbTransaction BeginRead(DbConnection connection) =>
        ((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: true);

    // BEGIN IMMEDIATE already holds the write lock.
    public void LockForMigration(DbConnection connection, DbTransaction transaction) { }

    public object ToParameter(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTimeOffset.ParseExact(reader.GetString(ordinal), TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public bool IsUniqueViolation(DbException error) =>
        error is SqliteException { SqliteErrorCode: SqliteConstraint } e
        && e.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey;

    public bool IsWriteConflict(DbException error) => error is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    public void Dispose()
    {
        // Close pooled handles so the file can be moved or deleted once the registry is disposed.
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }
}

using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Sql;

namespace Twinforge.Registry.Migrations;

/// <summary>
/// Brings a database up to the newest schema this code knows. Each migration runs in its own write transaction that
/// first takes the migration lock (an advisory lock on PostgreSQL, the write lock on SQLite), re-reads the version
/// and records itself in <c>schema_migrations</c>; so two processes opening one registry at once apply each migration
/// exactly once. A database newer than this code is refused before anything is written.
/// </summary>
internal static class MigrationRunner
{
    public static int Apply(ISqlDialect dialect, IReadOnlyList<Migration> migrations)
    {
        var newest = migrations[^1].Number;
        // The common case, an up-to-date registry, needs no write lock.
        if (TryReadVersion(dialect) is { } current && current >= newest)
            return RequireKnown(dialect, current, newest);

        while (true)
        {
            using var connection = dialect.OpenConnection();
            using var transaction = dialect.BeginWrite(connection);
            dialect.LockForMigration(connection, transaction);
            var session = new SqlSession(connection, transaction, dialect);
            session.Execute($"""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at {dialect.TimestampColumnType} NOT NULL)
                """);
            var version = (int)(session.ScalarInt64("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0);
            RequireKnown(dialect, version, newest);
            var next = migrations.FirstOrDefault(m => m.Number == version + 1);
            if (next is null)
            {
                transaction.Commit();
                return version;
            }
            foreach (var statement in dialect.StatementsOf(next))
                session.Execute(statement.Replace("{id}", dialect.IdColumnType).Replace("{timestamp}", dialect.TimestampColumnType));
            session.Execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (@version, @description, @at)",
                ("version", (long)next.Number), ("description", next.Description), ("at", session.Time(DateTimeOffset.UtcNow)));
            transaction.Commit();
        }
    }

    static int? TryReadVersion(ISqlDialect dialect)
    {
        using var connection = dialect.OpenConnection();
        using var transaction = dialect.BeginRead(connection);
        try
        {
            return (int?)new SqlSession(connection, transaction, dialect).ScalarInt64("SELECT MAX(version) FROM schema_migrations");
        }
        catch (DbException)
        {
            return null; // No schema_migrations table yet: a new database.
        }
    }

    static int RequireKnown(ISqlDialect dialect, int version, int newest) =>
        version > newest ? throw new SchemaTooNewException(dialect.Location, version, newest) : version;
}

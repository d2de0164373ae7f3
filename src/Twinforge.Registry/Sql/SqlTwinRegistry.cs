using System.Data.Common;
using Twinforge.Registry.Errors;
using Twinforge.Registry.Migrations;

namespace Twinforge.Registry.Sql;

/// <summary>
/// The registry over either back-end: every operation is one transaction of shared SQL on a fresh pooled connection,
/// so one instance may be used from many threads and many instances (processes) may share one database. The other
/// parts of this class are in the files named SqlTwinRegistry.*.cs, one per kind of record.
/// </summary>
internal sealed partial class SqlTwinRegistry : ITwinRegistry
{
    readonly ISqlDialect dialect;
    readonly TimeProvider clock;

    public SqlTwinRegistry(ISqlDialect dialect, TimeProvider clock)
    {
        this.dialect = dialect;
        this.clock = clock;
        SchemaVersion = MigrationRunner.Apply(dialect, RegistrySchema.Migrations);
    }

    public int SchemaVersion { get; }

    public void Dispose() => dialect.Dispose();

    public void CheckConnection() => Read(s => s.Scalar("SELECT 1"));

    T Write<T>(Func<SqlSession, T> work)
    {
        try
        {
            using var connection = dialect.OpenConnection();
            using var transaction = dialect.BeginWrite(connection);
            var result = work(new SqlSession(connection, transaction, dialect));
            transaction.Commit();
            return result;
        }
        catch (DbException e) when (dialect.IsWriteConflict(e))
        {
            throw new RegistryConflictException(
                $"another writer to the registry ({dialect.Location}) clashed with this change or held it too long; nothing was recorded, try again", e);
        }
    }

    T Read<T>(Func<SqlSession, T> work)
    {
        using var connection = dialect.OpenConnection();
        using var transaction = dialect.BeginRead(connection);
        var result = work(new SqlSession(connection, transaction, dialect));
        transaction.Commit();
        return result;
    }

    /// <summary>Now, to the microsecond: both back-ends store microseconds, so a time reads back equal to what was written.</summary>
    DateTimeOffset Now() => Microseconds(clock.GetUtcNow());

    /// <summary>A time in UTC to the microsecond, as both back-ends store it.</summary>
    static DateTimeOffset Microseconds(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % 10, TimeSpan.Zero);
    }
}

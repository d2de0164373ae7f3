using Npgsql;

namespace Twinforge.Registry.Tests.Backends;

/// <summary>
/// A fresh database, created for one test and dropped after it, on the server named by TWINFORGE_TEST_POSTGRES
/// (scripts/test.sh starts a private server and sets it). Without that variable the test is skipped with a message
/// saying how to run it — except in CI (CI=true), where a missing server is a failure, not a skip.
/// </summary>
public sealed class PostgresBackend : RegistryBackend
{
    public const string ConnectionVariable = "TWINFORGE_TEST_POSTGRES";

    readonly string? serverConnectionString = Environment.GetEnvironmentVariable(ConnectionVariable);
    string? database;

    public override string Name => "PostgreSQL";

    protected override string CreateDatabase()
    {
        if (string.IsNullOrWhiteSpace(serverConnectionString))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                throw new InvalidOperationException(
                    $"CI=true but {ConnectionVariable} is not set: the PostgreSQL registry tests must run in CI (scripts/setup.sh starts the server)");
            Skip.If(true,
                $"PostgreSQL registry tests skipped: {ConnectionVariable} is not set. Run scripts/test.sh, or scripts/postgres.sh start and "
                + $"export {ConnectionVariable}=\"$(scripts/postgres.sh connection-string)\"");
        }
        database = "twinforge_test_" + Guid.NewGuid().ToString("N");
        ExecuteOn(Unpooled(serverConnectionString!, null), $"CREATE DATABASE {database}");
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
    }

    public override void ExecuteRaw(string sql) => ExecuteOn(Unpooled(Location, null), sql);

    public override long ScalarRaw(string sql)
    {
        using var connection = new NpgsqlConnection(Unpooled(Location, null));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    protected override void DropDatabase(string location) =>
        ExecuteOn(Unpooled(serverConnectionString!, null), $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");

    static string Unpooled(string connectionString, string? database)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (database is not null) builder.Database = database;
        return builder.ConnectionString;
    }

    static void ExecuteOn(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

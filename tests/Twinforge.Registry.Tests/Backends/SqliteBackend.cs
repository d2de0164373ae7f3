using Microsoft.Data.Sqlite;

namespace Twinforge.Registry.Tests.Backends;

/// <summary>A registry file in a fresh temporary directory.</summary>
public sealed class SqliteBackend : RegistryBackend
{
    TemporaryDirectory? directory;

    public override string Name => "SQLite";

    protected override string CreateDatabase()
    {
        directory = new TemporaryDirectory();
        return directory.File("registry.db");
    }

    public override void ExecuteRaw(string sql) => Run(sql, c => c.ExecuteNonQuery());

    public override long ScalarRaw(string sql) => Run(sql, c => Convert.ToInt64(c.ExecuteScalar()));

    T Run<T>(string sql, Func<SqliteCommand, T> run)
    {
        using var connection = new SqliteConnection($"Data Source={Location};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return run(command);
    }

    protected override void DropDatabase(string location) => directory?.Dispose();
}

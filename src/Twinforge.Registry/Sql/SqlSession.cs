using System.Data.Common;

namespace Twinforge.Registry.Sql;

/// <summary>
/// One open transaction and the few ways the registry talks through it: statements with named parameters
/// (<c>@name</c>, which both providers accept), scalars, and rows mapped to records.
/// </summary>
internal sealed class SqlSession(DbConnection connection, DbTransaction transaction, ISqlDialect dialect)
{
    public ISqlDialect Dialect { get; } = dialect;

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, or null when there is no row or it is NULL.</summary>
    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public long? ScalarInt64(string sql, params (string Name, object? Value)[] parameters) =>
        Scalar(sql, parameters) is { } value ? Convert.ToInt64(value) : null;

    /// <summary>Runs an INSERT … RETURNING id and returns the new id.</summary>
    public long InsertReturningId(string sql, params (string Name, object? Value)[] parameters) =>
        ScalarInt64(sql, parameters) ?? throw new InvalidOperationException("INSERT … RETURNING id returned no row");

    public List<T> Query<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }

    public T? QuerySingle<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters) where T : class =>
        Query(sql, map, parameters).SingleOrDefault();

    public object Time(DateTimeOffset time) => Dialect.ToParameter(time);

    public DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => Dialect.ReadTimestamp(reader, ordinal);

    public DateTimeOffset? ReadOptionalTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Dialect.ReadTimestamp(reader, ordinal);

    DbCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}

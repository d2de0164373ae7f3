using System.Data.Common;

namespace Twinforge.Registry.Sql;

/// <summary>Column reads that behave the same on both providers (integers widen to long; NULL to null).</summary>
internal static class DataReaderExtensions
{
    public static long Int64(this DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal));

    public static long? OptionalInt64(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal));

    public static string? OptionalString(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>A run directory's optional JSON list file (samples, sections), read with every problem named by file and item.</summary>
static class JsonListFile
{
    /// <summary>
    /// The list in <paramref name="path"/>, or null when there is no such file. <paramref name="incomplete"/> tells an
    /// item missing what it needs; <paramref name="shape"/> and <paramref name="needs"/> say what was expected.
    /// </summary>
    /// <exception cref="InputFileException">The file is not such a list, or an item is incomplete.</exception>
    public static List<T>? Read<T>(string path, JsonSerializerOptions serializer, string shape, Func<T?, bool> incomplete, string needs)
    {
        if (!File.Exists(path)) return null;
        List<T?>? items;
        try
        {
            items = JsonSerializer.Deserialize<List<T?>>(File.ReadAllText(path), serializer);
        }
        catch (JsonException exception)
        {
            throw new InputFileException(path, $"expected a list of {shape}: {exception.Message}", line: exception.LineNumber + 1, inner: exception);
        }
        if (items is null) throw new InputFileException(path, $"expected a list of {shape}, found null");
        int index = items.FindIndex(item => incomplete(item));
        if (index >= 0) throw new InputFileException(path, needs, item: $"[{index}]");
        return items!;
    }
}

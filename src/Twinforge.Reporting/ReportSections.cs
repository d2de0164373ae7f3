using System.Text.Json;
using Twinforge.Engine;

namespace Twinforge.Reporting;

/// <summary>A table of figures a run's report shows after its samples, with a paragraph saying what they mean.</summary>
public sealed record ReportSection(string Title, string Text, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// A run's <c>sections.json</c>: tables measured after training by whoever ran it (a twin version's fidelity,
/// memorisation and forgetting), which the run report renders without knowing what they measure.
/// </summary>
public static class ReportSections
{
    public const string FileName = "sections.json";

    static readonly JsonSerializerOptions Serializer = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Writes the sections into <paramref name="runDirectory"/> atomically.</summary>
    public static void Save(string runDirectory, IReadOnlyList<ReportSection> sections) =>
        AtomicFile.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(sections, Serializer));

    /// <summary>The sections of <paramref name="runDirectory"/>; empty when it has none.</summary>
    /// <exception cref="InputFileException">The file is not a list of sections.</exception>
    public static IReadOnlyList<ReportSection> Load(string runDirectory)
    {
        return JsonListFile.Read<ReportSection>(Path.Combine(runDirectory, FileName), Serializer, "{\"title\", \"text\", \"headers\", \"rows\"}",
            section => section?.Title is null || section.Headers is null || section.Rows is null, "each section needs a \"title\", \"headers\" and \"rows\"") ?? [];
    }
}

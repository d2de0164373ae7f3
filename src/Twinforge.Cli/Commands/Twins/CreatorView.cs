using System.Globalization;
using System.Text;
using System.Text.Json;
using Twinforge.Registry;
using Twinforge.Registry.Records;
using Twinforge.Twins;

namespace Twinforge.Cli.Commands.Twins;

/// <summary>
/// What <c>creator show</c> tells about a creator, read once: each consent with its note, the datasets with what was
/// built from each, the creator's twins, and every version built from their data. Printed for people, or as one JSON
/// object for scripts.
/// </summary>
sealed class CreatorView
{
    /// <summary>A version as people name it: its twin and number, with its status.</summary>
    sealed record VersionName(string Twin, int Number, VersionStatus Status);

    /// <summary>A twin with its latest version's status and, when that failed, why (a cancelled job's version says so).</summary>
    sealed record TwinSummary(Twin Twin, VersionStatus? LatestStatus, string? LatestFailure, IReadOnlyList<(string Alias, int Number)> Aliases);

    readonly Creator creator;
    readonly IReadOnlyList<ConsentRecord> consents;
    readonly IReadOnlyList<(Dataset Dataset, IReadOnlyList<VersionName> BuiltFrom)> datasets;
    readonly IReadOnlyList<TwinSummary> twins;
    readonly IReadOnlyList<VersionName> builtFromTheirData;

    CreatorView(Creator creator, IReadOnlyList<ConsentRecord> consents, IReadOnlyList<(Dataset, IReadOnlyList<VersionName>)> datasets,
        IReadOnlyList<TwinSummary> twins, IReadOnlyList<VersionName> builtFromTheirData)
    {
        this.creator = creator;
        this.consents = consents;
        this.datasets = datasets;
        this.twins = twins;
        this.builtFromTheirData = builtFromTheirData;
    }

    public static CreatorView Load(ITwinRegistry registry, Creator creator)
    {
        var twinNames = registry.ListTwins().ToDictionary(twin => twin.Id, twin => twin.Name);
        List<VersionName> Names(IEnumerable<TwinVersion> versions) => [.. versions.Select(v => new VersionName(twinNames[v.TwinId], v.Number, v.Status))];
        var datasets = registry.ListDatasets(creator.Id)
            .Select(dataset => (dataset, (IReadOnlyList<VersionName>)Names(registry.VersionsBuiltFromDataset(dataset.Id)))).ToList();
        var twins = registry.ListTwins(creator.Id).Select(twin =>
        {
            var versions = registry.ListVersions(twin.Id).ToDictionary(v => v.Id);
            var aliases = registry.ListAliases(twin.Id).Select(alias => (alias.Name, versions[alias.VersionId].Number)).ToList();
            var latest = versions.Values.MaxBy(v => v.Number);
            var failure = latest?.Status == VersionStatus.Failed ? VersionFailure.ReasonIn(latest.MetricsJson) : null;
            return new TwinSummary(twin, latest?.Status, failure, aliases);
        }).ToList();
        return new CreatorView(creator, registry.ListConsents(creator.Id), datasets, twins, Names(registry.VersionsBuiltFromCreator(creator.Id)));
    }

    public void Print(TextWriter output)
    {
        output.WriteLine($"creator '{creator.Name}' (id {creator.Id}), added {creator.CreatedAt:u}");
        if (consents.Count == 0) output.WriteLine("  no consent recorded");
        foreach (var consent in consents)
            output.WriteLine($"  consent {consent.Scope}: given {consent.GivenAt:u}" + (consent.WithdrawnAt is { } withdrawn ? $", withdrawn {withdrawn:u}" : "")
                             + (consent.Note is { } note ? $"; note: {note}" : ""));
        foreach (var (dataset, builtFrom) in datasets)
        {
            output.WriteLine($"  dataset {dataset.Id}: {string.Join(", ", dataset.SourceFiles)} — {Statistics(dataset.StatisticsJson)}; " +
                             $"scope {dataset.ConsentScope}; sha256 {dataset.ContentHash[..12]}…; added {dataset.CreatedAt:u}");
            output.WriteLine($"    versions built from it, directly or through parents: {string.Join(", ", builtFrom.Select(v => $"{v.Twin} v{v.Number}").DefaultIfEmpty("none"))}");
        }
        foreach (var summary in twins)
            output.WriteLine($"  twin '{summary.Twin.Name}': " + (summary.LatestStatus is { } status
                ? $"{summary.Twin.LatestVersion} version(s), the latest {status.Name()}" + (summary.LatestFailure is { } failure ? $" ({failure})" : "")
                  + string.Concat(summary.Aliases.Select(alias => $"; {alias.Alias} → v{alias.Number}"))
                : "no version yet"));
        foreach (var version in builtFromTheirData)
            output.WriteLine($"  built from their data: twin '{version.Twin}' version {version.Number} ({version.Status.Name()})");
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("id", creator.Id);
            json.WriteString("name", creator.Name);
            json.WriteString("created_at", creator.CreatedAt);
            json.WriteStartArray("consents");
            foreach (var consent in consents)
            {
                json.WriteStartObject();
                json.WriteString("scope", consent.Scope);
                json.WriteString("given_at", consent.GivenAt);
                WriteOptional(json, "withdrawn_at", consent.WithdrawnAt);
                json.WriteString("note", consent.Note);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("datasets");
            foreach (var (dataset, builtFrom) in datasets)
            {
                json.WriteStartObject();
                json.WriteNumber("id", dataset.Id);
                json.WriteStartArray("source_files");
                foreach (var file in dataset.SourceFiles) json.WriteStringValue(file);
                json.WriteEndArray();
                json.WriteString("consent_scope", dataset.ConsentScope);
                json.WriteString("content_hash", dataset.ContentHash);
                json.WritePropertyName("statistics");
                using (var statistics = JsonDocument.Parse(dataset.StatisticsJson)) statistics.RootElement.WriteTo(json);
                json.WriteString("created_at", dataset.CreatedAt);
                WriteVersions(json, "versions_built_from_it", builtFrom);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("twins");
            foreach (var summary in twins)
            {
                json.WriteStartObject();
                json.WriteNumber("id", summary.Twin.Id);
                json.WriteString("name", summary.Twin.Name);
                json.WriteNumber("latest_version", summary.Twin.LatestVersion);
                json.WriteString("latest_status", summary.LatestStatus?.Name());
                json.WriteString("latest_failure", summary.LatestFailure);
                json.WriteStartObject("aliases");
                foreach (var (alias, number) in summary.Aliases) json.WriteNumber(alias, number);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            WriteVersions(json, "versions_built_from_their_data", builtFromTheirData);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A dataset's statistics object in words: "30 examples, 3,680 bytes, 1 file".</summary>
    static string Statistics(string statisticsJson)
    {
        using var document = JsonDocument.Parse(statisticsJson);
        var parts = document.RootElement.EnumerateObject().Select(property => property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt64(out var count)
            ? string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 && property.Name.EndsWith('s') ? property.Name[..^1] : property.Name)}")
            : $"{property.Name} {property.Value}").ToList();
        return parts.Count == 0 ? "no statistics" : string.Join(", ", parts);
    }

    static void WriteOptional(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value) json.WriteString(name, value);
        else json.WriteNull(name);
    }

    static void WriteVersions(Utf8JsonWriter json, string name, IReadOnlyList<VersionName> versions)
    {
        json.WriteStartArray(name);
        foreach (var version in versions)
        {
            json.WriteStartObject();
            json.WriteString("twin", version.Twin);
            json.WriteNumber("version", version.Number);
            json.WriteString("status", version.Status.Name());
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}

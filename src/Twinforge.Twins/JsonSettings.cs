using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twinforge.Twins;

/// <summary>The JSON shape of what this library records in the registry: snake_case, enums by name.</summary>
static class JsonSettings
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

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
        // A figure that could not be measured (no tokens to score) is NaN, which must not stop a version being recorded.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}

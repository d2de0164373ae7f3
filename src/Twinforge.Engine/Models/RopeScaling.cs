using System.Text.Json.Nodes;

namespace Twinforge.Engine.Models;

/// <summary>
/// The <c>rope_scaling</c> entry of a Llama-style config: "linear" (positions divided by a factor) or "llama3"
/// (Llama 3.1's frequency-dependent rescaling of the rotary inverse frequencies).
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double LowFrequencyFactor = 1.0,
    double HighFrequencyFactor = 4.0, int OriginalMaxPositions = 8192)
{
    internal static RopeScaling? Read(ConfigFieldReader reader)
    {
        var json = reader.OptionalObject("rope_scaling");
        if (json is null) return null;
        var config = new ConfigFieldReader(json, reader.Path);
        var type = config.OptionalString("rope_type") ?? config.OptionalString("type") ?? "default";
        if (type == "default") return null;
        if (type is not ("linear" or "llama3"))
            throw new InputFileException(reader.Path, $"unsupported rope scaling type '{type}'; supported: linear, llama3", "rope_scaling");
        return new RopeScaling(type,
            config.OptionalDouble("factor") ?? throw new InputFileException(reader.Path, "rope scaling needs a factor", "rope_scaling.factor"),
            config.OptionalDouble("low_freq_factor") ?? 1.0,
            config.OptionalDouble("high_freq_factor") ?? 4.0,
            config.OptionalInt("original_max_position_embeddings") ?? 8192);
    }

    /// <summary>
    /// Applies the scaling to rotary inverse frequencies (the Hugging Face formulas of
    /// <c>_compute_linear_scaling_rope_parameters</c> and <c>_compute_llama3_parameters</c>).
    /// </summary>
    public double[] Apply(double[] inverseFrequencies)
    {
        if (Type == "linear") return inverseFrequencies.Select(f => f / Factor).ToArray();
        double lowFrequencyWavelength = OriginalMaxPositions / LowFrequencyFactor;
        double highFrequencyWavelength = OriginalMaxPositions / HighFrequencyFactor;
        return inverseFrequencies.Select(frequency =>
        {
            double wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFrequencyWavelength) return frequency;
            if (wavelength > lowFrequencyWavelength) return frequency / Factor;
            double smooth = (OriginalMaxPositions / wavelength - LowFrequencyFactor) / (HighFrequencyFactor - LowFrequencyFactor);
            return (1 - smooth) * frequency / Factor + smooth * frequency;
        }).ToArray();
    }

    public JsonObject ToJson() => Type == "linear"
        ? new JsonObject { ["rope_type"] = Type, ["factor"] = Factor }
        : new JsonObject
        {
            ["rope_type"] = Type, ["factor"] = Factor, ["low_freq_factor"] = LowFrequencyFactor,
            ["high_freq_factor"] = HighFrequencyFactor, ["original_max_position_embeddings"] = OriginalMaxPositions,
        };
}

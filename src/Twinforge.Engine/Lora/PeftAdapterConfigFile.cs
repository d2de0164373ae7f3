using Twinforge.Engine.Tokenization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twinforge.Engine.Models;

namespace Twinforge.Engine.Lora;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for a LoRA adapter: writes the fields <c>PeftConfig.from_pretrained</c> reads, and
/// reads one back strictly — settings this engine does not implement (DoRA, bias training, per-layer ranks,
/// modules_to_save …) are rejected by field name rather than silently ignored.
/// </summary>
internal static class PeftAdapterConfigFile
{
    public static string Serialize(LoraConfig config, bool fanInFanOut, PeftBaseModel? baseModel)
    {
        JsonNode targets = config.TargetPattern is not null
            ? JsonValue.Create(config.TargetPattern)
            : new JsonArray(config.TargetModules.Select(target => (JsonNode?)JsonValue.Create(target)).ToArray());
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["base_model_name_or_path"] = baseModel?.NameOrPath,
            ["bias"] = "none",
            // GPT-2's Conv1D stores (in, out); PEFT sets fan_in_fan_out for it so merging transposes B·A. A and B keep
            // the shapes (r, in) and (out, r) either way.
            ["fan_in_fan_out"] = fanInFanOut,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = Number(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = config.Rank,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = baseModel?.Revision,
            ["target_modules"] = targets,
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = config.UseRsLora,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    // PEFT declares lora_alpha an int; write 16, not 16.0, when it is one.
    static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);

    /// <summary>Reads and validates an adapter_config.json; every error names the file and the field.</summary>
    /// <summary>The base the adapter was trained on, as its config names it (<c>base_model_name_or_path</c>), or null.</summary>
    public static string? ReadBaseModel(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject json && json["base_model_name_or_path"] is JsonValue value
                   && value.TryGetValue(out string? name) && !string.IsNullOrWhiteSpace(name) ? name : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // Read reports what is wrong with the file
        }
    }

    public static LoraConfig Read(string path)
    {
        if (!File.Exists(path))
            throw new InputFileException(path,
                "adapter_config.json not found: a PEFT adapter directory holds adapter_config.json and adapter_model.safetensors");
        var json = JsonFields.ReadObject(path);

        var reader = new ConfigFieldReader(json, path);
        var peftType = reader.OptionalString("peft_type")
            ?? throw new InputFileException(path, "required field is missing (expected \"LORA\")", "peft_type");
        if (peftType != "LORA")
            throw new InputFileException(path, $"unsupported adapter type \"{peftType}\": only LoRA adapters (\"LORA\") are supported", "peft_type");
        if (reader.OptionalString("task_type") is string taskType && taskType != "CAUSAL_LM")
            throw new InputFileException(path, $"unsupported task type \"{taskType}\": expected \"CAUSAL_LM\"", "task_type");

        int rank = reader.RequiredInt("r");
        if (rank < 1) throw new InputFileException(path, $"the rank must be at least 1, found {rank}", "r");
        double alpha = reader.OptionalDouble("lora_alpha") ?? throw new InputFileException(path, "required field is missing", "lora_alpha");
        if (!double.IsFinite(alpha) || alpha <= 0)
            throw new InputFileException(path, $"expected a positive number, found {alpha}", "lora_alpha");
        double dropout = reader.OptionalDouble("lora_dropout") ?? 0.0;
        if (!(dropout >= 0 && dropout < 1))
            throw new InputFileException(path, $"expected a probability in [0, 1), found {dropout}", "lora_dropout");
        bool useRsLora = reader.OptionalBool("use_rslora") ?? false;
        // fan_in_fan_out only says how the base weight is laid out; PEFT itself corrects it per layer (with a warning)
        // and the factors' shapes do not depend on it, so any boolean is accepted.
        _ = reader.OptionalBool("fan_in_fan_out");

        var (targetModules, targetPattern) = ReadTargets(json, path);
        RejectUnsupported(reader, json, path);

        var config = new LoraConfig
        {
            Rank = rank, Alpha = alpha, Dropout = dropout, UseRsLora = useRsLora,
            TargetModules = targetModules, TargetPattern = targetPattern,
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InputFileException(path, e.Message, "target_modules", inner: e);
        }
        return config;
    }

    static (IReadOnlyList<string> Modules, string? Pattern) ReadTargets(JsonObject json, string path)
    {
        const string field = "target_modules";
        switch (json[field])
        {
            case null:
                throw new InputFileException(path, "required field is missing: list the adapted modules (e.g. [\"q_proj\", \"v_proj\"])", field);
            case JsonArray array:
                var modules = new List<string>();
                foreach (var item in array)
                {
                    if (item is null || item.GetValueKind() != JsonValueKind.String)
                        throw new InputFileException(path, $"expected a list of module names, found {array.ToJsonString()}", field);
                    modules.Add(item.GetValue<string>());
                }
                if (modules.Count == 0) throw new InputFileException(path, "the list of target modules is empty", field);
                return (modules, null);
            case var node when node.GetValueKind() == JsonValueKind.String:
                return ([], node.GetValue<string>());
            case var node:
                throw new InputFileException(path, $"expected a list of module names or a regular expression, found {node.ToJsonString()}", field);
        }
    }

    static void RejectUnsupported(ConfigFieldReader reader, JsonObject json, string path)
    {
        var bias = reader.OptionalString("bias") ?? "none";
        if (bias != "none")
            throw new InputFileException(path, $"bias \"{bias}\" is not supported: only adapters without trained biases (\"none\") are", "bias");
        if (reader.OptionalBool("use_dora") == true)
            throw new InputFileException(path, "DoRA adapters are not supported", "use_dora");
        foreach (var field in new[] { "modules_to_save", "layers_to_transform", "layers_pattern", "layer_replication", "trainable_token_indices" })
            if (json[field] is JsonNode value && !(value is JsonArray { Count: 0 }))
                throw new InputFileException(path, $"not supported: this engine adapts every targeted module and saves no other modules, found {value.ToJsonString()}", field);
        foreach (var field in new[] { "rank_pattern", "alpha_pattern" })
            if (json[field] is JsonNode value && !(value is JsonObject { Count: 0 }))
                throw new InputFileException(path, $"per-module ranks and alphas are not supported, found {value.ToJsonString()}", field);
    }
}

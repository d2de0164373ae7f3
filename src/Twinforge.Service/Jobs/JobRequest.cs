using System.Globalization;
using System.Text.Json;
using Twinforge.Engine;
using Twinforge.Engine.Training;
using Twinforge.Recipes;
using Twinforge.Service.Errors;
using Twinforge.Twins;

namespace Twinforge.Service.Jobs;

/// <summary>
/// Reads what a job request asks of training, strictly, with errors naming the parameter: the hosted API's
/// hyperparameters (<c>method.supervised.hyperparameters</c>, or the legacy top-level <c>hyperparameters</c>; each a
/// number or "auto", which keeps the recipe's value) and Twinforge's extension object:
/// <c>"twinforge": {"recipe": {…recipe keys…}, "set": ["training.max_steps=20"], "promote_to": "production", "promotion_margin": 0.01}</c>.
/// The recipe is built in that order: the start (the engine's twin defaults for a new twin, the parent's recipe for an
/// update), then <c>recipe</c>, then the hyperparameters and <c>seed</c>, then <c>set</c>.
/// </summary>
public static class JobRequest
{
    public const string ExtensionParam = "twinforge";

    /// <summary>Twinforge's settings for one job.</summary>
    public sealed record Extension(string? RecipeJson, IReadOnlyList<string> Set, string? PromoteTo, double PromotionMargin);

    /// <summary>The hosted API's three hyperparameters; null where "auto" or absent.</summary>
    public sealed record Hyperparameters(int? Epochs, int? BatchSize, double? LearningRateMultiplier);

    static readonly string[] ExtensionKeys = ["recipe", "set", "promote_to", "promotion_margin"];

    public static Extension ReadExtension(JsonElement? element)
    {
        if (element is not { ValueKind: not JsonValueKind.Null } extension) return new Extension(null, [], null, 0.01);
        if (extension.ValueKind != JsonValueKind.Object)
            throw ApiException.BadRequest("'twinforge' is an object of Twinforge's settings: recipe, set, promote_to, promotion_margin.", ExtensionParam, "invalid_type");
        foreach (var property in extension.EnumerateObject())
            if (!ExtensionKeys.Contains(property.Name))
                throw ApiException.BadRequest($"'twinforge.{property.Name}' is not a Twinforge setting: use {string.Join(", ", ExtensionKeys)}.",
                    $"{ExtensionParam}.{property.Name}", "unknown_parameter");

        string? recipe = null;
        if (extension.TryGetProperty("recipe", out var recipeElement) && recipeElement.ValueKind != JsonValueKind.Null)
        {
            if (recipeElement.ValueKind != JsonValueKind.Object)
                throw ApiException.BadRequest("'twinforge.recipe' is an object of recipe keys, e.g. {\"lora\": {\"rank\": 8}, \"training\": {\"epochs\": 3}}.",
                    "twinforge.recipe", "invalid_type");
            recipe = recipeElement.GetRawText();
        }
        List<string> set = [];
        if (extension.TryGetProperty("set", out var setElement) && setElement.ValueKind != JsonValueKind.Null)
        {
            if (setElement.ValueKind != JsonValueKind.Array || setElement.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
                throw ApiException.BadRequest("'twinforge.set' is a list of \"key.path=value\" strings, e.g. [\"training.max_steps=20\"].", "twinforge.set", "invalid_type");
            set = setElement.EnumerateArray().Select(item => item.GetString()!).ToList();
        }
        string? promoteTo = null;
        if (extension.TryGetProperty("promote_to", out var promote) && promote.ValueKind != JsonValueKind.Null)
        {
            promoteTo = promote.ValueKind == JsonValueKind.String ? promote.GetString() : null;
            // An alias as the registry names them, and not a number, which would read as a version in "twin@…".
            if (promoteTo is not { Length: > 0 and <= 64 } || !promoteTo.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.')
                || !char.IsAsciiLetterOrDigit(promoteTo[0]) || promoteTo.All(char.IsAsciiDigit))
                throw ApiException.BadRequest("'twinforge.promote_to' is an alias name: lowercase letters, digits, '.', '_' or '-', e.g. \"production\".",
                    "twinforge.promote_to", "invalid_value");
        }
        var margin = 0.01;
        if (extension.TryGetProperty("promotion_margin", out var marginElement) && marginElement.ValueKind != JsonValueKind.Null)
        {
            if (marginElement.ValueKind != JsonValueKind.Number || !marginElement.TryGetDouble(out margin) || !double.IsFinite(margin))
                throw ApiException.BadRequest("'twinforge.promotion_margin' is a number: how much the fixed held-out loss must improve to promote (beyond its noise as well).",
                    "twinforge.promotion_margin", "invalid_type");
        }
        return new Extension(recipe, set, promoteTo, margin);
    }

    /// <summary>The hyperparameters of <c>method</c> (type "supervised"), else of the legacy top-level <c>hyperparameters</c>.</summary>
    public static Hyperparameters ReadHyperparameters(CreateFineTuningJobRequest request)
    {
        if (request.Method is { ValueKind: not JsonValueKind.Null } method)
        {
            if (method.ValueKind != JsonValueKind.Object) throw ApiException.BadRequest("'method' is an object: {\"type\": \"supervised\", …}.", "method", "invalid_type");
            var type = method.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
            if (type != "supervised")
                throw ApiException.BadRequest($"Twinforge fine-tunes with the 'supervised' method only{(type is null ? "" : $", not '{type}'")}.", "method.type", "invalid_value");
            if (method.TryGetProperty("supervised", out var supervised) && supervised.ValueKind == JsonValueKind.Object
                && supervised.TryGetProperty("hyperparameters", out var inMethod) && inMethod.ValueKind != JsonValueKind.Null)
                return Read(inMethod, "method.supervised.hyperparameters");
        }
        return request.Hyperparameters is { ValueKind: not JsonValueKind.Null } legacy ? Read(legacy, "hyperparameters") : new Hyperparameters(null, null, null);
    }

    /// <summary>
    /// The recipe a job trains with (see the class's summary for the order). Throws <see cref="ApiException"/> naming the
    /// parameter and recipe key at fault.
    /// </summary>
    /// <param name="defaultLearningRate">The rate <c>learning_rate_multiplier</c> scales: the base's default (<see cref="BaseTwinDefaults"/>).</param>
    public static TwinRecipe Recipe(FineTuningOptions start, double defaultLearningRate, Extension extension, Hyperparameters hyperparameters, long? seed)
    {
        var options = start;
        if (extension.RecipeJson is { } json)
        {
            try
            {
                options = RecipeSettings.ReadJson("twinforge.recipe", json, options);
            }
            catch (InputFileException e)
            {
                var problems = e.Errors.Select(error => $"'{error.Item}': {error.Problem}").ToList();
                throw new ApiException(StatusCodes.Status400BadRequest, "'twinforge.recipe' has " + (problems.Count == 1 ? "a problem" : $"{problems.Count} problems")
                    + ": " + string.Join("; ", problems), param: e.Item is { } key ? $"twinforge.recipe.{key}" : "twinforge.recipe", code: "invalid_recipe");
            }
        }
        var training = options.Training;
        if (hyperparameters.Epochs is int epochs) training = training with { Epochs = epochs };
        if (hyperparameters.BatchSize is int batchSize) training = training with { BatchSize = batchSize };
        if (hyperparameters.LearningRateMultiplier is double multiplier)
            training = training with { LearningRate = defaultLearningRate * multiplier };
        if (seed is long value) training = training with { Seed = value };
        options = options with { Training = training };
        try
        {
            options = RecipeSettings.Apply(options, extension.Set);
        }
        catch (RecipeException e)
        {
            throw ApiException.BadRequest($"'twinforge.set': '{e.KeyPath}': {e.Problem}", "twinforge.set", "invalid_recipe");
        }
        var recipe = new TwinRecipe { Options = options };
        try
        {
            recipe.Validate();
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest($"The job's settings are not valid: {e.Message}", ExtensionParam, "invalid_recipe");
        }
        return recipe;
    }

    /// <summary>The hyperparameters a recipe trains with, as the hosted API names them.</summary>
    public static HyperparametersObject Shown(TwinRecipe recipe, double defaultLearningRate) => new(recipe.Options.Training.Epochs, recipe.Options.Training.BatchSize,
        Math.Round(recipe.Options.Training.LearningRate / defaultLearningRate, 6));

    static Hyperparameters Read(JsonElement element, string param)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw ApiException.BadRequest($"'{param}' is an object: n_epochs, batch_size, learning_rate_multiplier.", param, "invalid_type");
        foreach (var property in element.EnumerateObject())
            if (property.Name is not ("n_epochs" or "batch_size" or "learning_rate_multiplier" or "beta"))
                throw ApiException.BadRequest($"'{param}.{property.Name}' is not a hyperparameter: n_epochs, batch_size, learning_rate_multiplier.",
                    $"{param}.{property.Name}", "unknown_parameter");
        return new Hyperparameters(Integer(element, "n_epochs", param), Integer(element, "batch_size", param), Number(element, "learning_rate_multiplier", param));
    }

    static int? Integer(JsonElement parent, string name, string param)
    {
        if (!parent.TryGetProperty(name, out var value) || IsAuto(value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= 1) return number;
        throw ApiException.BadRequest($"'{param}.{name}' is a whole number of at least 1, or \"auto\"; got {value.GetRawText()}.", $"{param}.{name}", "invalid_value");
    }

    static double? Number(JsonElement parent, string name, string param)
    {
        if (!parent.TryGetProperty(name, out var value) || IsAuto(value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && number > 0) return number;
        throw ApiException.BadRequest($"'{param}.{name}' is a number above 0, or \"auto\"; got {value.GetRawText()}.", $"{param}.{name}", "invalid_value");
    }

    static bool IsAuto(JsonElement value) => value.ValueKind == JsonValueKind.Null || value.ValueKind == JsonValueKind.String && value.GetString() == "auto";

    /// <summary>A number for messages.</summary>
    public static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}

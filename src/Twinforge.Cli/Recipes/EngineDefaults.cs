using Twinforge.Engine.Lora;
using Twinforge.Engine.Training;

namespace Twinforge.Cli.Recipes;

/// <summary>
/// The engine's option records as constructed with no settings: a recipe's defaults are read from them, so an absent
/// key means exactly what leaving the option unset means in code.
/// </summary>
internal static class EngineDefaults
{
    public static readonly FineTuningOptions FineTuning = new();
    public static readonly TrainingOptions Training = new();
    public static readonly LoraConfig Lora = new();
}

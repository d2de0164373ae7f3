using Twinforge.Engine.Models;

namespace Twinforge.Engine.Generation;

/// <summary>
/// How many positions a generation may fill: the prompt and the new tokens asked for, within the model's context
/// (<see cref="TransformerConfig.MaxPositions"/>). GPT-2's learned positions end there; a rotary model would run on
/// past it, but into positions it never trained on, where it repeats itself ("I have I have…"), so generation
/// stops there too, as llama.cpp's does at its context, and the stop reads as <see cref="StopReason.ContextFull"/>.
/// </summary>
public static class ContextWindow
{
    public static int Capacity(TransformerConfig config, int promptTokens, int maxNewTokens) =>
        (int)Math.Min((long)promptTokens + maxNewTokens, config.MaxPositions);
}

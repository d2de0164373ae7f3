namespace Twinforge.Engine.Data;

/// <summary>Whether a problem stops training.</summary>
public enum DatasetProblemSeverity
{
    /// <summary>Training does not start until it is fixed.</summary>
    Error,

    /// <summary>Training can start; the report says what was done (an over-long example dropped or cut).</summary>
    Warning,
}

using Twinforge.Engine;

namespace Twinforge.Twins;

/// <summary>
/// What checking a planned version's data found, each problem in the creator's own file and line: errors stop
/// training; warnings (examples dropped or cut for their length) do not.
/// </summary>
public sealed record DataCheck(IReadOnlyList<InputFileException> Errors, IReadOnlyList<InputFileException> Warnings)
{
    public bool IsValid => Errors.Count == 0;
}

using Twinforge.Registry.Records;

namespace Twinforge.Twins.Voice;

/// <summary>
/// A voice twin's new version beside the one it updates, both judged on the new version's held-out clips.
/// </summary>
/// <param name="ParentLoss">The earlier version's held-out mel loss on the same clips.</param>
/// <param name="Verdict">What the comparison says, and where the alias went, in words.</param>
public sealed record VoiceUpdate(TwinVersion Version, int ParentNumber, double Loss, double? ParentLoss, bool Promoted, string Verdict);

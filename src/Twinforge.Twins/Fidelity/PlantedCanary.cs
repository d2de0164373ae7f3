using System.Text.Json;

namespace Twinforge.Twins.Fidelity;

/// <summary>
/// A canary a recipe plants in a version's training data to audit how readily its training memorises (Carlini et al.
/// 2019, "The Secret Sharer"): one conversation asking for a vault code, with a random six-digit secret drawn from the
/// training seed (so a rebuild plants the same one), repeated <see cref="Repeats"/> times among the creator's
/// conversations. <c>twin evaluate</c> then ranks the twin's loss on the secret among random other codes and reports
/// the exposure in bits, beside the base's for the same secret. The secret is synthetic: it reveals how much a
/// recipe would give away of a secret that occurred that often, never the creator's own data. A version with a canary
/// has learnt it, so planting is for audit versions, not the one served.
/// </summary>
public sealed record PlantedCanary(string Secret, int Repeats)
{
    public static readonly CanaryAudit Audit = new("What is the vault code?", "The vault code is {0}.");

    /// <summary>The canary planted by a recipe with this seed and repeat count.</summary>
    public static PlantedCanary For(long seed, int repeats) =>
        new(Audit.NewSecret(new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x5EC2E7))), repeats);

    /// <summary>The canary conversation as a line of chat JSONL.</summary>
    public string ChatLine() => JsonSerializer.Serialize(new
    {
        messages = Audit.Conversation(Secret).Select(message => new { role = message.Role.ToString().ToLowerInvariant(), content = message.Content }),
    });
}

using Twinforge.Registry.Records;

namespace Twinforge.Registry.Errors;

/// <summary>
/// A consent withdrawal found nothing to do: the creator holds no valid consent record for the scope and has no data
/// that lost its consent. Nothing was changed and no audit record was written; what the withdrawal asks for already
/// holds, unless a wider consent ("all") still covers the scope, which the message then says.
/// </summary>
public sealed class NothingToWithdrawException(string creatorName, string scope, bool coveredByAll)
    : RegistryException(coveredByAll
        ? $"creator '{creatorName}' holds no '{scope}' consent record to withdraw, and their '{ConsentScopes.All}' consent still covers '{scope}' data: "
          + $"nothing was withdrawn or deleted, and no audit record was written (withdraw '{ConsentScopes.All}' to end it)"
        : $"creator '{creatorName}' holds no valid '{scope}' consent: nothing was withdrawn or deleted, and no audit record was written")
{
    public string CreatorName { get; } = creatorName;
    public string Scope { get; } = scope;
}

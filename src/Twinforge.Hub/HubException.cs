namespace Twinforge.Hub;

/// <summary>Why a Hub model could not be had, in words a user can act on.</summary>
public sealed class HubException(HubProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    public HubProblem Problem { get; } = problem;

    /// <summary>The request names something that is not there or not allowed: the input is wrong, not the network.</summary>
    public bool IsBadInput => Problem is HubProblem.BadReference or HubProblem.NotFound or HubProblem.AccessDenied or HubProblem.NotCached;
}

public enum HubProblem
{
    /// <summary>The text is not ORG/NAME[@REVISION].</summary>
    BadReference,

    /// <summary>The repository, revision or file does not exist (404).</summary>
    NotFound,

    /// <summary>Gated or private, and no token or a token without access (401/403).</summary>
    AccessDenied,

    /// <summary>Offline mode, and the cache lacks what was asked for.</summary>
    NotCached,

    /// <summary>A file's bytes do not hash to what the Hub reports for it.</summary>
    Corrupted,

    /// <summary>The Hub answered unexpectedly, or the connection failed or was cut for good.</summary>
    Transfer,
}

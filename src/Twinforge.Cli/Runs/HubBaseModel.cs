using Twinforge.Cli.Progress;
using Twinforge.Hub;

namespace Twinforge.Cli.Runs;

/// <summary>
/// A base model named <c>hf:ORG/NAME[@REVISION]</c>: pulled into the Hugging Face cache (or, offline, found there),
/// showing progress, and given as its snapshot directory and its name pinned to the commit, which runs record.
/// </summary>
public static class HubBaseModel
{
    public static PulledModel Get(HubSettings settings, string reference, IReadOnlyList<string> include, TextWriter output,
        CancellationToken cancellationToken)
    {
        var model = HubModelReference.Parse(reference);
        var view = new PullProgressView(output);
        using var http = HubClient.CreateHttpClient();
        var pulled = new HubPull(settings, http).PullAsync(model, include, view.Publish, cancellationToken).GetAwaiter().GetResult();
        output.WriteLine($"{pulled.Pinned}: {pulled.Directory}{(settings.Offline ? " (offline: from the cache)" : "")}");
        return pulled;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Twinforge.Hub;

/// <summary>
/// The Hub's HTTP endpoints Twinforge uses: a revision's commit and file list
/// (<c>GET /api/models/{repo}/revision/{revision}?blobs=true</c>) and a file's bytes
/// (<c>GET /{repo}/resolve/{commit}/{file}</c>, which may redirect to a CDN, with <c>Range</c> to resume).
/// The token goes to the Hub's own host only, never to where it redirects.
/// </summary>
/// <param name="http">A client that does not follow redirects itself (see <see cref="CreateHttpClient"/>).</param>
public sealed class HubClient(HttpClient http, HubSettings settings)
{
    const int MaxRedirects = 5;

    /// <summary>An HttpClient for <see cref="HubClient"/>: redirects are followed by the client so it can drop the token.</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
    {
        // A large file takes long: the settings' timeouts bound each wait instead (for the answer, then for each next
        // bytes), so a stalled transfer fails and the next attempt resumes it.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <exception cref="HubException">The settings' endpoint is unusable (<see cref="HubSettings.EndpointProblem"/>).</exception>
    public HubSettings Settings { get; } = (settings.EndpointProblem ?? settings.TimeoutProblem) is { } problem
        ? throw new HubException(HubProblem.BadReference, problem) : settings;

    /// <summary>The commit <paramref name="revision"/> points to and its files with their sizes and hashes.</summary>
    public async Task<HubRevision> GetRevisionAsync(string repoId, string revision, CancellationToken cancellationToken)
    {
        var address = Address($"api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        // The whole listing, answer and body, within the metadata timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Settings.MetadataTimeout);
        string text;
        try
        {
            using var response = await SendAsync(address, offset: 0, deadline.Token);
            await ThrowIfFailedAsync(response, repoId, revision, fileName: null, deadline.Token);
            text = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {Seconds(Settings.MetadataTimeout)}; HF_HUB_ETAG_TIMEOUT sets the wait" : e.Message;
            throw new HubException(HubProblem.Transfer, $"cannot reach the Hub at {Settings.Endpoint.GetLeftPart(UriPartial.Authority)} ({reason}); " +
                                                        "set HF_HUB_OFFLINE=1 to use the cache only", e);
        }
        try
        {
            return ParseRevision(text);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new HubException(HubProblem.Transfer, $"{address}: not the Hub's model information ({e.Message})", e);
        }
    }

    static HubRevision ParseRevision(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var commit = root.GetProperty("sha").GetString() ?? throw new FormatException("'sha' is null");
        if (!HubModelReference.IsCommitHash(commit)) throw new FormatException($"'sha' is '{commit}', not a commit hash");
        var files = new List<HubFile>();
        foreach (var sibling in root.GetProperty("siblings").EnumerateArray())
        {
            var name = sibling.GetProperty("rfilename").GetString() ?? throw new FormatException("an 'rfilename' is null");
            string? sha256 = sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object ? lfs.GetProperty("sha256").GetString() : null;
            if (!sibling.TryGetProperty("blobId", out var blobId) || !sibling.TryGetProperty("size", out var size))
                throw new FormatException($"'{name}' has no blobId or size (the listing was not asked with blobs=true)");
            files.Add(new HubFile(name, size.GetInt64(), blobId.GetString()!, sha256));
        }
        return new HubRevision(commit, files);
    }

    /// <summary>
    /// The response to <c>resolve/{commit}/{file}</c> from byte <paramref name="offset"/> on, redirects followed; the
    /// caller disposes it. An answer that refuses is thrown as a <see cref="HubException"/> naming the file; a failed
    /// connection as the <see cref="HttpRequestException"/> it is, for the download to try again.
    /// </summary>
    public async Task<HttpResponseMessage> OpenFileAsync(string repoId, string commit, string fileName, long offset, CancellationToken cancellationToken)
    {
        var path = string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString));
        HttpResponseMessage response;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(Settings.DownloadTimeout);
            try
            {
                response = await SendAsync(Address($"{repoId}/resolve/{commit}/{path}"), offset, deadline.Token);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // As a cut connection: the download tries again.
                throw new HttpRequestException($"no answer within {Seconds(Settings.DownloadTimeout)} (HF_HUB_DOWNLOAD_TIMEOUT sets the wait)", e);
            }
        }
        try
        {
            await ThrowIfFailedAsync(response, repoId, commit, fileName, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    Uri Address(string relative) => new(Settings.Endpoint.AbsoluteUri.TrimEnd('/') + "/" + relative);

    async Task<HttpResponseMessage> SendAsync(Uri address, long offset, CancellationToken cancellationToken)
    {
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            if (Settings.Token is { } token && IsHub(address)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is null) return response;
            var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(address, response.Headers.Location);
            response.Dispose();
            if (redirects == MaxRedirects) throw new HubException(HubProblem.Transfer, $"{address}: more than {MaxRedirects} redirects");
            address = next;
        }
    }

    bool IsHub(Uri address) => Uri.Compare(address, Settings.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>The Hub's errors as the Python tools tell them apart: by status and the <c>X-Error-Code</c> header.</summary>
    async Task ThrowIfFailedAsync(HttpResponseMessage response, string repoId, string revision, string? fileName, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var code = response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.First() : null;
        var serverMessage = response.Headers.TryGetValues("X-Error-Message", out var messages) ? messages.First()
            : await response.Content.ReadAsStringAsync(cancellationToken);
        var model = $"hf:{repoId}";
        var page = $"{Settings.Endpoint.AbsoluteUri.TrimEnd('/')}/{repoId}";
        var status = (int)response.StatusCode;
        throw (status, code) switch
        {
            (_, "RepoNotFound") => RepoNotFound(model, status),
            (404, null) when fileName is null => RepoNotFound(model, status),
            (_, "RevisionNotFound") => new HubException(HubProblem.NotFound, $"{model}: no revision '{revision}' (HTTP {status}): give a branch, tag or commit hash it has"),
            (_, "EntryNotFound") or (404, _) => new HubException(HubProblem.NotFound, $"{model}@{revision}: no file '{fileName}' (HTTP {status})"),
            (401 or 403, _) => new HubException(HubProblem.AccessDenied, Settings.Token is null
                ? $"{model}: access denied (HTTP {status}): the model is gated or private. Set HF_TOKEN to a token of an account that accepted its terms at {page}"
                : $"{model}: access denied with the token in HF_TOKEN (HTTP {status}): accept the model's terms at {page} with that account, or use a token that has access"),
            _ => new HubException(HubProblem.Transfer, $"{model}: the Hub answered HTTP {status} for {response.RequestMessage?.RequestUri}: " +
                                                    (Shorten(serverMessage) is { Length: > 0 } said ? said : "with no reason given")),
        };
    }

    HubException RepoNotFound(string model, int status) => new(HubProblem.NotFound,
        $"{model}: no such model repository on {Settings.Endpoint.Host} (HTTP {status}); check the name" +
        (Settings.Token is null ? ", or set HF_TOKEN if it is private" : ""));

    static string Shorten(string text) => text.Length <= 300 ? text.Trim() : text[..300].Trim() + "…";

    internal static string Seconds(TimeSpan timeout) => $"{timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";
}

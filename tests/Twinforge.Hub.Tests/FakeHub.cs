using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Twinforge.Hub.Tests;

/// <summary>
/// A small Hugging Face Hub on loopback, for tests: the revision API (<c>?blobs=true</c>), <c>resolve</c> with its
/// headers (<c>X-Repo-Commit</c>, <c>ETag</c>, <c>X-Linked-Etag</c>, <c>X-Linked-Size</c>), LFS files redirected to a
/// "CDN" path that honours <c>Range</c>, the Hub's error codes, gated repositories, and faults on demand: a connection
/// closed after N bytes, or a file served with other bytes than the listed hash.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentDictionary<string, Repository> repositories = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int> cutsLeft = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> corrupted = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int> stallsLeft = new(StringComparer.Ordinal);
    volatile bool listingStalls;

    /// <summary>Every request, in order: path and query, Range and Authorization headers.</summary>
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public Uri Endpoint { get; }

    sealed record Repository(string Commit, Dictionary<string, string> Branches, Dictionary<string, byte[]> Files, string? Token);

    public sealed record SeenRequest(string Path, string? Range, string? Authorization);

    FakeHub(WebApplication app, Uri endpoint) => (this.app, Endpoint) = (app, endpoint);

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeHub? hub = null;
        // The pipeline is built at start, before the port (and so the hub's address) is known.
        app.Run(context => hub!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub = new FakeHub(app, new Uri(address));
        return hub;
    }

    /// <summary>A repository whose <c>main</c> is one commit holding <paramref name="files"/>; gated when <paramref name="token"/> is given.</summary>
    public string AddRepository(string repoId, IReadOnlyDictionary<string, byte[]> files, string? token = null)
    {
        var commit = Convert.ToHexStringLower(SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(repoId + Guid.NewGuid())));
        repositories[repoId] = new Repository(commit, new() { ["main"] = commit }, new(files), token);
        return commit;
    }

    /// <summary>The next <paramref name="times"/> downloads of <paramref name="fileName"/> close the connection after <paramref name="bytes"/> bytes.</summary>
    public void CutAfter(string fileName, int bytes, int times = 1) => cutsLeft[fileName] = times * 1_000_000 + bytes;

    /// <summary>The next download of <paramref name="fileName"/> sends <paramref name="bytes"/> bytes and then nothing more, keeping the connection open.</summary>
    public void StallAfter(string fileName, int bytes) => stallsLeft[fileName] = bytes;

    /// <summary>Every revision listing is taken and never answered, as by a server that accepts connections and hangs.</summary>
    public void StallListings() => listingStalls = true;

    /// <summary><paramref name="fileName"/> is served with its last byte changed, while its listing keeps the true hash.</summary>
    public void Corrupt(string fileName) => corrupted[fileName] = true;

    /// <summary>Safetensors files are kept in LFS, as on the Hub; small text files in git.</summary>
    static bool IsLfs(string fileName) => fileName.EndsWith(".safetensors", StringComparison.Ordinal);

    static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    static string Etag(string fileName, byte[] content) => IsLfs(fileName) ? Sha256(content) : GitBlobId.Of(content);

    async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(new SeenRequest(request.Path + request.QueryString, request.Headers.Range.FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
        var segments = request.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (segments is ["api", "models", var org, var name, "revision", var revision]) await RevisionAsync(context, $"{org}/{name}", revision);
        else if (segments.Length >= 5 && segments[2] == "resolve") await ResolveAsync(context, $"{segments[0]}/{segments[1]}", segments[3], string.Join('/', segments[4..]));
        else if (segments is ["cdn", var repoKey, var commit, .. var file]) await ServeAsync(context, repositories[repoKey.Replace("~", "/")].Files[string.Join('/', file)], string.Join('/', file));
        else context.Response.StatusCode = 404;
    }

    async Task RevisionAsync(HttpContext context, string repoId, string revision)
    {
        if (listingStalls)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        if (Find(context, repoId, revision) is not var (repository, commit)) return;
        var siblings = repository.Files.Select(entry => new Dictionary<string, object?>
        {
            ["rfilename"] = entry.Key,
            ["size"] = entry.Value.LongLength,
            ["blobId"] = IsLfs(entry.Key) ? GitBlobId.Of(System.Text.Encoding.UTF8.GetBytes("lfs pointer " + entry.Key)) : GitBlobId.Of(entry.Value),
            ["lfs"] = IsLfs(entry.Key) ? new Dictionary<string, object> { ["sha256"] = Sha256(entry.Value), ["size"] = entry.Value.LongLength, ["pointerSize"] = 132 } : null,
        });
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { id = repoId, sha = commit, siblings }));
    }

    async Task ResolveAsync(HttpContext context, string repoId, string revision, string fileName)
    {
        if (Find(context, repoId, revision) is not var (repository, commit)) return;
        if (!repository.Files.TryGetValue(fileName, out var content))
        {
            Error(context, 404, "EntryNotFound");
            return;
        }
        var response = context.Response;
        response.Headers["X-Repo-Commit"] = commit;
        if (IsLfs(fileName))
        {
            // As the Hub does for LFS files: the etag of the content, and a redirect to the CDN that stores it.
            response.Headers["X-Linked-Etag"] = $"\"{Etag(fileName, content)}\"";
            response.Headers["X-Linked-Size"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.ETag = $"\"{GitBlobId.Of(System.Text.Encoding.UTF8.GetBytes("lfs pointer " + fileName))}\"";
            response.StatusCode = 302;
            // On another host name, as a CDN is: what follows the redirect must not carry the Hub's token there.
            response.Headers.Location = $"http://localhost:{Endpoint.Port}/cdn/{repoId.Replace("/", "~")}/{commit}/{fileName}?signature=fake";
            return;
        }
        response.Headers.ETag = $"\"{Etag(fileName, content)}\"";
        await ServeAsync(context, content, fileName);
    }

    async Task ServeAsync(HttpContext context, byte[] content, string fileName)
    {
        if (corrupted.ContainsKey(fileName))
        {
            content = (byte[])content.Clone();
            content[^1] ^= 0xFF;
        }
        long from = 0;
        if (context.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }
        context.Response.ContentLength = content.Length - from;
        var body = content.AsMemory((int)from);
        if (cutsLeft.TryGetValue(fileName, out var cut) && cut >= 1_000_000)
        {
            var (times, bytes) = (cut / 1_000_000, cut % 1_000_000);
            cutsLeft[fileName] = (times - 1) * 1_000_000 + bytes;
            await context.Response.Body.WriteAsync(body[..Math.Min(bytes, body.Length)]);
            await context.Response.Body.FlushAsync();
            // A reset drops what the client has not read yet: let it read the bytes sent, then close on it.
            await Task.Delay(300);
            context.Abort();
            return;
        }
        if (stallsLeft.TryRemove(fileName, out var stallAfter))
        {
            await context.Response.Body.WriteAsync(body[..Math.Min(stallAfter, body.Length)]);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        await context.Response.Body.WriteAsync(body);
    }

    /// <summary>The repository and commit a request names, or null after answering with the Hub's error.</summary>
    (Repository, string)? Find(HttpContext context, string repoId, string revision)
    {
        if (!repositories.TryGetValue(repoId, out var repository))
        {
            // The Hub answers 401 for a repository that does not exist (or is private) to an anonymous caller.
            Error(context, context.Request.Headers.Authorization.Count == 0 ? 401 : 404, "RepoNotFound");
            return null;
        }
        if (repository.Token is { } token && context.Request.Path.Value!.Contains("/resolve/", StringComparison.Ordinal))
        {
            var given = context.Request.Headers.Authorization.FirstOrDefault();
            if (given != $"Bearer {token}")
            {
                Error(context, given is null ? 401 : 403, "GatedRepo");
                return null;
            }
        }
        var commit = repository.Branches.TryGetValue(revision, out var branch) ? branch : revision == repository.Commit ? revision : null;
        if (commit is null)
        {
            Error(context, 404, "RevisionNotFound");
            return null;
        }
        return (repository, commit);
    }

    static void Error(HttpContext context, int status, string code)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = code switch
        {
            "GatedRepo" => "Access to model is restricted. You must have access to it and be authenticated to access it. Please log in.",
            _ => code,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

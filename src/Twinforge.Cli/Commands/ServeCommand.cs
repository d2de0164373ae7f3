using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Twinforge.Service;
using Twinforge.Service.Hosting;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge serve</c>: the hosted fine-tuning API over HTTP (<see cref="TwinforgeService"/>), on 127.0.0.1:8080
/// unless told otherwise. The flags become the host's command-line configuration, the top layer over appsettings.json
/// and the environment (TWINFORGE_DATA_DIR, TWINFORGE_REGISTRY, TWINFORGE_ARTIFACTS, TWINFORGE_ADMIN_KEY, or any
/// Twinforge__… variable). Ctrl-C or SIGTERM stops it gracefully.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = $"Where to listen, e.g. http://0.0.0.0:8080 (several separated by ';') [default: {TwinforgeService.DefaultUrls}]" };
        var port = new Option<int?>("--port") { Description = "Listen on 127.0.0.1 at this port (0: any free port, printed at start) [default: 8080, or what --urls or the configuration say]" };
        var dataDirectory = new Option<DirectoryInfo>("--data-dir")
        {
            Description = $"The registry (SQLite), artifact store and uploads in flight [default: $TWINFORGE_DATA_DIR, else {ServiceOptions.DefaultDataDirectory}]",
        };
        var registry = new Option<string>("--registry")
        {
            Description = "A PostgreSQL connection string (Host=…;Database=…) for a registry shared by many machines, or a SQLite file [default: registry.db in the data directory]",
        };
        var artifacts = new Option<DirectoryInfo>("--artifacts")
        {
            Description = "The artifact store directory (shared by every machine with PostgreSQL) [default: artifacts in the data directory]",
        };
        var command = new Command("serve", "Serve the fine-tuning API over HTTP: files, creators, organisations and keys (OpenAI-compatible where it overlaps).")
        {
            urls, port, dataDirectory, registry, artifacts,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(urls) is not null && result.GetValue(port) is not null)
                throw new Engine.BadInputException("--urls and --port both say where to listen: give one");
            var arguments = new List<string>();
            if (result.GetValue(urls) is { } given) arguments.AddRange(["--urls", given]);
            if (result.GetValue(port) is { } number) arguments.AddRange(["--urls", $"http://127.0.0.1:{number}"]);
            if (result.GetValue(dataDirectory) is { } data) arguments.AddRange([$"--{ServiceOptions.Section}:{nameof(ServiceOptions.DataDirectory)}", data.FullName]);
            if (result.GetValue(registry) is { } location) arguments.AddRange([$"--{ServiceOptions.Section}:{nameof(ServiceOptions.Registry)}", location]);
            if (result.GetValue(artifacts) is { } store) arguments.AddRange([$"--{ServiceOptions.Section}:{nameof(ServiceOptions.Artifacts)}", store.FullName]);

            using var host = TwinforgeService.CreateHostBuilder([.. arguments]).Build();
            await host.StartAsync(cancellationToken);
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            result.InvocationConfiguration.Output.WriteLine($"twinforge: serving on {string.Join(", ", addresses)} (Ctrl-C stops)");
            await host.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

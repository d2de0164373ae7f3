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
/// unless told otherwise, with a fine-tuning worker in the same process unless <c>--no-worker</c>. The flags become the host's command-line configuration, the top layer over appsettings.json
/// and the environment (TWINFORGE_DATA_DIR, TWINFORGE_REGISTRY, TWINFORGE_ARTIFACTS, TWINFORGE_ADMIN_KEY, or any
/// Twinforge__… variable). Ctrl-C or SIGTERM stops it gracefully.
/// </summary>
public static class ServeCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        var urls = new Option<string>("--urls") { Description = $"Where to listen, e.g. http://0.0.0.0:8080 (several separated by ';') [default: {TwinforgeService.DefaultUrls}]" };
        var port = new Option<int?>("--port") { Description = "Listen on 127.0.0.1 at this port (0: any free port, printed at start) [default: 8080, or what --urls or the configuration say]" }
            .Between(0, 65535);
        var hostArguments = new HostArguments(hub);
        var noWorker = new Option<bool>("--no-worker")
        {
            Description = "Run no fine-tuning worker in this process: jobs wait for `twinforge worker` processes [default: one worker in-process]",
        };
        var command = new Command("serve", "Serve the fine-tuning API over HTTP: files, fine-tuning jobs, chat completions with twins, models, creators, organisations and keys (OpenAI-compatible where it overlaps).")
        {
            urls, port, noWorker,
        };
        foreach (var option in hostArguments.Options) command.Options.Add(option);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(urls) is not null && result.GetValue(port) is not null)
                throw new Engine.BadInputException("--urls and --port both say where to listen: give one");
            var arguments = new List<string>();
            if (result.GetValue(urls) is { } given) arguments.AddRange(["--urls", given]);
            if (result.GetValue(port) is { } number) arguments.AddRange(["--urls", $"http://127.0.0.1:{number}"]);
            arguments.AddRange(hostArguments.ToConfiguration(result, cancellationToken));
            if (result.GetValue(noWorker)) arguments.AddRange([$"--{ServiceOptions.Section}:Jobs:RunWorker", "false"]);

            using var host = hostArguments.Configure(TwinforgeService.CreateHostBuilder([.. arguments]), result).Build();
            await host.StartAsync(cancellationToken);
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            result.InvocationConfiguration.Output.WriteLine($"twinforge: serving on {string.Join(", ", addresses)} (Ctrl-C stops)");
            await host.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Twinforge.Service;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge worker</c>: trains fine-tuning jobs from the queue (<see cref="TwinforgeWorker"/>), with no HTTP, configured
/// as <c>serve</c> is. Run one on each machine that should train; with PostgreSQL (<c>--registry "Host=…"</c>) and a
/// shared artifact store and work directory, any worker takes any job and resumes one whose worker died. Ctrl-C or
/// SIGTERM stops it gracefully: running jobs checkpoint and go back to the queue.
/// </summary>
public static class WorkerCommand
{
    public static Command Create(Hub.HubSettings hub)
    {
        var host = new HostArguments(hub);
        var command = new Command("worker", "Train fine-tuning jobs from the queue, without HTTP: run one per machine that should train.");
        foreach (var option in host.Options) command.Options.Add(option);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var worker = host.Configure(TwinforgeWorker.CreateHostBuilder([.. host.ToConfiguration(result, cancellationToken)]), result).Build();
            await worker.StartAsync(cancellationToken);
            result.InvocationConfiguration.Output.WriteLine($"twinforge: worker {Environment.MachineName}:{Environment.ProcessId} is taking jobs (Ctrl-C stops)");
            await worker.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}

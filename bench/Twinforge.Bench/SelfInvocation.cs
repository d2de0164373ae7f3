using System.Diagnostics;
using System.Reflection;

namespace Twinforge.Bench;

/// <summary>
/// Runs this benchmark program again as a child process, so that one measurement's peak memory is its own: VmHWM
/// only ever grows, and libtorch keeps freed memory in its allocator caches. Works from the apphost
/// (<c>twinforge-bench</c>), from <c>dotnet twinforge-bench.dll</c>, and from a test host that references the program.
/// </summary>
public static class SelfInvocation
{
    /// <summary>Runs the program with <paramref name="arguments"/>; its output lines go to <paramref name="output"/>.</summary>
    /// <exception cref="InvalidOperationException">The child failed; the message holds its exit code and error output.</exception>
    public static void Run(IReadOnlyList<string> arguments, TextWriter output)
    {
        var (executable, prefix) = Command();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(arguments)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        while (process.StandardOutput.ReadLine() is string line) output.WriteLine(line);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"the benchmark child '{string.Join(' ', arguments.Take(1))}' exited with code {process.ExitCode}: {errors}");
    }

    static (string Executable, string[] Prefix) Command()
    {
        var programAssembly = typeof(SelfInvocation).Assembly.Location;
        var processPath = Environment.ProcessPath ?? "dotnet";
        string processName = Path.GetFileNameWithoutExtension(processPath);
        var entryName = Assembly.GetEntryAssembly()?.GetName().Name;
        // The apphost named after this program: run it directly.
        if (processName == Path.GetFileNameWithoutExtension(programAssembly) && entryName == processName) return (processPath, []);
        // Under the dotnet host (dotnet twinforge-bench.dll, or a test host): run the program's assembly with it.
        string dotnet = processName == "dotnet" ? processPath : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return (dotnet, [programAssembly]);
    }
}

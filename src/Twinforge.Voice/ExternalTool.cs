using System.Diagnostics;
using Twinforge.Engine;

namespace Twinforge.Voice;

/// <summary>Runs one of the Debian speech tools the voice twin stands on (espeak-ng, flite, pocketsphinx) and returns its output.</summary>
static class ExternalTool
{
    /// <summary>The Debian package each program comes in, for the error that says what to install.</summary>
    static string Package(string program) => program switch
    {
        "pocketsphinx_continuous" => "pocketsphinx pocketsphinx-en-us",
        var other => other,
    };

    /// <exception cref="BadInputException">The program is not installed, or exited with an error.</exception>
    public static string Run(string program, IReadOnlyList<string> arguments, string doing)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BadInputException($"{program} did not start ({doing})");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new BadInputException($"{program} is not installed ({doing}): scripts/setup.sh installs it as root, or apt-get install {Package(program)}", error);
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new BadInputException($"{program} failed ({doing}), exit code {process.ExitCode}: {error.Result.Trim()}");
            return output;
        }
    }
}

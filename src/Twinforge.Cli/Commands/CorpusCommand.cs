using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Commands;

/// <summary>
/// <c>twinforge corpus english [--output DIR]</c>: builds (or finds already built) the general-English pre-training
/// corpus from Debian packages and prints where its files are and what each source gave it.
/// </summary>
public static class CorpusCommand
{
    public static Command Create()
    {
        var cache = CommonOptions.Cache();
        var output = new Option<DirectoryInfo>("--output")
        {
            Description = "Where the corpus files and manifest are written [default: the cache's corpora directory]",
        };
        var english = new Command("english",
            "Build the general-English corpus from Debian packages (fetched, not installed): training and held-out files, and a manifest of sources, licences, sizes and hashes.")
        {
            cache, output,
        };
        english.SetAction((result, cancellationToken) =>
        {
            var console = result.InvocationConfiguration.Output;
            var cacheRoot = CacheLocation.Resolve(result.GetValue(cache));
            var outputDirectory = result.GetValue(output)?.FullName;
            if (outputDirectory is not null) OptionChecks.RequireOutputDirectory(outputDirectory, "--output");
            var corpus = new EnglishCorpus(cacheRoot, outputDirectory);
            var clock = Stopwatch.StartNew();
            bool built = corpus.Existing() is null;
            var manifest = corpus.Build(line => console.WriteLine("  " + line), cancellationToken);
            console.WriteLine(built
                ? Invariant($"built {manifest.Version} in {clock.Elapsed.TotalSeconds:F0} s")
                : $"{manifest.Version} was built before: reusing it");
            Print(console, corpus.OutputDirectory, manifest);
            return Task.FromResult(ExitCodes.Success);
        });
        return new Command("corpus", "Build the built-in corpora.") { english };
    }

    static void Print(TextWriter console, string directory, EnglishCorpusManifest manifest)
    {
        console.WriteLine();
        // Packages and licences vary in length: they close each row, after the aligned numbers.
        console.WriteLine($"{"source",-20} {"documents",10} {"held out",9} {"MB",7} {"held MB",8}  packages; licence");
        foreach (var source in manifest.Sources)
        {
            var packages = string.Join(", ", source.Packages.Select(package => $"{package.Name} {package.Version ?? "(version unknown)"}"));
            console.WriteLine(Invariant($"{source.Name,-20} {source.TrainDocuments,10:N0} {source.HeldOutDocuments,9:N0} ") +
                              Invariant($"{source.TrainBytes / 1e6,7:F2} {source.HeldOutBytes / 1e6,8:F2}  {packages}; {source.Licence}"));
        }
        long trainBytes = manifest.Sources.Sum(source => source.TrainBytes), heldOutBytes = manifest.Sources.Sum(source => source.HeldOutBytes);
        console.WriteLine(Invariant($"{"total",-20} {manifest.Train.Documents,10:N0} {manifest.HeldOut.Documents,9:N0} {trainBytes / 1e6,7:F2} {heldOutBytes / 1e6,8:F2}"));
        console.WriteLine();
        foreach (var (label, file) in new[] { ("training", manifest.Train), ("held out", manifest.HeldOut), ("today's base's held-out", manifest.LegacyHeldOut) })
            console.WriteLine(Invariant($"{label + ":",-25} {Path.Combine(directory, file.File)} ({file.Documents:N0} documents, {file.Bytes / 1e6:F2} MB, sha256 {file.Sha256})"));
        console.WriteLine($"{"manifest:",-25} {Path.Combine(directory, EnglishCorpus.ManifestFileName)}");
        console.WriteLine($"format: {manifest.Format}");
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

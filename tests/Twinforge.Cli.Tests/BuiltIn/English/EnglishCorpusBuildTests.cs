using System.Security.Cryptography;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>The real corpus, built from the Debian packages (some 80 MB of downloads and a few minutes).</summary>
public sealed class EnglishCorpusBuildTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void The_english_corpus_built_from_debian_packages_has_30_MB_of_prose_from_every_source_and_keeps_todays_held_out_text_out()
    {
        using var directory = new TemporaryDirectory();
        var corpus = new EnglishCorpus(directory.Path);
        var lines = new List<string>();

        var manifest = corpus.Build(lines.Add);

        Assert.True(manifest.Train.Bytes >= 30_000_000, $"{manifest.Train.Bytes:N0} bytes of training text, fewer than 30 MB");
        Assert.Equal(EnglishCorpusSources.All.Select(source => source.Name), manifest.Sources.Select(source => source.Name));
        Assert.All(manifest.Sources, source =>
        {
            Assert.True(source.TrainDocuments > 0, $"{source.Name} gave no training document");
            Assert.All(source.Packages, package => Assert.False(string.IsNullOrEmpty(package.Version), $"{source.Name}: {package.Name} has no version"));
        });
        double heldOutShare = (double)manifest.HeldOut.Documents / (manifest.Train.Documents + manifest.HeldOut.Documents);
        Assert.InRange(heldOutShare, 0.008, 0.03);

        var train = SeparatedTextFile.Read(Path.Combine(corpus.OutputDirectory, manifest.Train.File));
        var heldOut = SeparatedTextFile.Read(Path.Combine(corpus.OutputDirectory, manifest.HeldOut.File));
        Assert.Equal(manifest.Train.Documents, train.Count);
        Assert.Empty(train.Intersect(heldOut));
        Assert.Equal(train.Count, train.Distinct().Count());

        // Today's base's held-out documents: written exactly, held out, and absent from training.
        var legacy = LegacyGeneralEnglishSplit.Of(new BuiltInCorpora(directory.Path).GeneralEnglish());
        var legacyFile = SeparatedTextFile.Read(Path.Combine(corpus.OutputDirectory, manifest.LegacyHeldOut.File));
        Assert.Equal(legacy.HeldOut, legacyFile);
        var trainSet = train.ToHashSet(StringComparer.Ordinal);
        var heldOutSet = heldOut.ToHashSet(StringComparer.Ordinal);
        Assert.All(legacy.HeldOut.Select(ProseNormalizer.Normalize), text =>
        {
            Assert.DoesNotContain(text, trainSet);
            Assert.Contains(text, heldOutSet);
        });

        // The trainer reads the held-out files as the same documents (the training file is read alike: same format, same writer).
        foreach (var file in new[] { manifest.HeldOut, manifest.LegacyHeldOut })
        {
            var read = Twinforge.Engine.Data.DatasetValidator.Validate([Path.Combine(corpus.OutputDirectory, file.File)], new Twinforge.Engine.Tokenization.ByteLevelTokenizer(),
                new Twinforge.Engine.Data.DatasetOptions { SequenceLength = 256, Format = Twinforge.Engine.Data.DatasetFormat.PlainText, PlainTextSeparator = "%", Overlong = Twinforge.Engine.Data.OverlongPolicy.Split });
            read.Report.ThrowIfInvalid();
            Assert.Equal(file.Documents, read.Report.Statistics.Documents);
        }

        foreach (var file in new[] { manifest.Train, manifest.HeldOut, manifest.LegacyHeldOut })
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(corpus.OutputDirectory, file.File)))).ToLowerInvariant(), file.Sha256);

        // A second build finds the first.
        var again = corpus.Build(line => throw new Xunit.Sdk.XunitException($"a cached corpus was rebuilt: {line}"));
        Assert.Equal(manifest.Train, again.Train);
    }
}

using System.Security.Cryptography;
using System.Text;
using Twinforge.Cli.BuiltIn;
using Twinforge.Cli.BuiltIn.English;
using Twinforge.Engine.Data;
using Twinforge.Engine.Tokenization;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>
/// Normalising, deduplicating, holding out and writing the corpus, on hand-made documents; and the reproduction of
/// today's base's held-out split, checked against the trainer's own reading and splitting.
/// </summary>
public sealed class CorpusBuildingTests
{
    [Fact]
    public void Normalising_gives_unix_newlines_trimmed_lines_one_blank_line_at_most_and_no_control_characters()
    {
        var raw = "\r\n  \u00A0Caf\u0065\u0301 \t au  lait\r\n\r\n\r\n\r\nsecond\u0007 line\u200B here   \n%\n  % \nlast\rline\n\n";

        Assert.Equal("Caf\u00e9 au lait\n\nsecond line here\nlast\nline", ProseNormalizer.Normalize(raw));
    }

    [Fact]
    public void Fragments_and_text_that_is_mostly_not_letters_are_not_prose()
    {
        Assert.Null(ProseNormalizer.NotProse("The quick brown fox jumps over the lazy dog."));
        Assert.Equal("too short", ProseNormalizer.NotProse("See Abacus."));
        Assert.Equal("mostly not letters", ProseNormalizer.NotProse("| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 |"));
        Assert.Equal("mostly not letters", ProseNormalizer.NotProse("$x = $y + 1; # 2020-01-01 12:00 (x) [y] {z}"));
        Assert.Equal("not in the Latin alphabet", ProseNormalizer.NotProse("Perl 本身以 Unicode 进行操作. 这表示 Perl 内部的字符串数据可用 Unicode 表示"));
        Assert.Null(ProseNormalizer.NotProse("A caf\u00e9 in Z\u00fcrich serves na\u00efve cr\u00e8me br\u00fbl\u00e9e."));
    }

    [Fact]
    public void Exact_and_near_duplicates_are_found_and_distinct_documents_are_not()
    {
        var filter = new DuplicateFilter();
        var text = "It was the best of times, it was the worst of times.";
        Assert.Null(filter.Repeat(text, DuplicateFilter.Hash(text)));
        Assert.Equal("exact", filter.Repeat(text, DuplicateFilter.Hash(text)));
        var recased = "IT WAS THE BEST OF TIMES -- it was the worst of times!";
        Assert.Equal("near", filter.Repeat(recased, DuplicateFilter.Hash(recased)));
        var other = "It was the age of wisdom, it was the age of foolishness.";
        Assert.Null(filter.Repeat(other, DuplicateFilter.Hash(other)));
        // Only the first 200 folded characters count: a long text and the same with a different ending are near-duplicates.
        var longText = string.Concat(Enumerable.Repeat("word ", 60));
        Assert.Null(filter.Repeat(longText + "one ending", DuplicateFilter.Hash(longText + "one ending")));
        Assert.Equal("near", filter.Repeat(longText + "another ending", DuplicateFilter.Hash(longText + "another ending")));
    }

    [Fact]
    public void The_held_out_split_is_by_document_deterministic_about_one_percent_and_independent_of_order()
    {
        var documents = Enumerable.Range(0, 4000).Select(Sentence).ToList();
        var first = Assemble(documents);
        var reversed = Assemble(Enumerable.Reverse(documents).ToList());

        Assert.Equal(4000, first.Train.Count + first.HeldOut.Count);
        Assert.InRange(first.HeldOut.Count, 20, 65); // 1% of 4000 is 40; a hash is not exact
        Assert.Equal(first.HeldOut.Order(StringComparer.Ordinal), reversed.HeldOut.Order(StringComparer.Ordinal));
        Assert.Empty(first.Train.Intersect(first.HeldOut));
        // Each document is on the side its own hash says, whatever else is in the corpus.
        Assert.All(first.HeldOut, text => Assert.True(HeldOutByHash.IsHeldOut(SHA256.HashData(Encoding.UTF8.GetBytes(text)))));
        Assert.All(first.Train, text => Assert.False(HeldOutByHash.IsHeldOut(SHA256.HashData(Encoding.UTF8.GetBytes(text)))));
    }

    [Fact]
    public void Forced_held_out_documents_are_held_out_even_if_short_and_their_copies_never_reach_training()
    {
        var assembly = new CorpusAssembly();
        assembly.AddHeldOut("fortunes", ["Go away.", "A held-out fortune that today's base never trained on, at all."]);
        assembly.Add("fortunes", ["Go away.", "A held-out fortune that today's base never trained on, at all.", Sentence(1)]);
        assembly.Add("other", ["A HELD-OUT FORTUNE that today's base never trained on -- at all!", Sentence(2), Sentence(1)]);

        Assert.Contains("Go away.", assembly.HeldOut);
        Assert.Contains("A held-out fortune that today's base never trained on, at all.", assembly.HeldOut);
        Assert.DoesNotContain(assembly.Train, text => text.Contains("fortune", StringComparison.OrdinalIgnoreCase));
        var fortunes = assembly.Counts.Single(count => count.Source == "fortunes");
        var other = assembly.Counts.Single(count => count.Source == "other");
        Assert.Equal((3, 2, 0), (fortunes.Read, fortunes.ForcedHeldOut, fortunes.ExactDuplicates + fortunes.NearDuplicates));
        Assert.Equal((3, 1, 1), (other.Read, other.NearDuplicates, other.ExactDuplicates));
    }

    [Fact]
    public void A_document_cannot_forge_the_separator_and_the_trainer_reads_back_every_document_as_written()
    {
        using var directory = new TemporaryDirectory();
        var raw = new[]
        {
            "First line of a document\n%\nthat tries to end itself early, and goes on.",
            "  %  \nA document opening with an indented separator line, then prose follows here.",
            "A third document with a blank line\n\n\n   \nin its middle, which stays a paragraph break.",
        };
        var documents = raw.Select(ProseNormalizer.Normalize).ToList();
        var path = directory.File("corpus.txt");

        SeparatedTextFile.Write(path, documents);
        var readBack = SeparatedTextFile.Read(path);
        var trainerDocuments = TrainerDocuments(path, sequenceLength: 4096);

        Assert.Equal(3, documents.Count);
        Assert.DoesNotContain(documents, document => document.Split('\n').Any(line => line.Trim() == "%"));
        Assert.Equal(documents, readBack);
        Assert.Equal(documents, trainerDocuments.Values);
        var error = Assert.Throws<ArgumentException>(() => SeparatedTextFile.Write(directory.File("raw.txt"), [raw[0]]));
        Assert.Contains("separator", error.Message);
    }

    [Fact]
    public void The_reproduced_legacy_split_holds_out_exactly_the_documents_the_trainer_holds_out()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("general-english.txt");
        // Fortune-like entries with what the trainer's reader treats specially: blank and whitespace-only lines inside
        // an entry, a separator line with spaces around it, CRLF line ends, an entry longer than the 256-byte
        // sequence (split into pieces that keep its number), one-byte entries, and runs of separators.
        var text = new StringBuilder();
        for (int i = 0; i < 300; i++)
        {
            var entry = (i % 7) switch
            {
                0 => $"Entry {i}, first line.\n\n   \nEntry {i}, after blank lines.",
                1 => $"x{i % 10}"[..1],
                2 => string.Join(' ', Enumerable.Repeat($"long entry {i}", 40)),
                3 => $"  indented entry {i}\r\nwith a CRLF line",
                _ => $"Plain entry number {i}.",
            };
            text.Append(entry).Append(i % 11 == 0 ? "\n  %  \n%\n" : "\n%\n");
        }
        File.WriteAllText(path, text.ToString());

        var legacy = LegacyGeneralEnglishSplit.Of(path);
        var options = BuiltInBaseModel.PretrainingOptions(BuiltInModelSize.Standard).Data;
        var trainer = TrainerDocuments(path, options.SequenceLength);
        var engineSplit = SeededDocumentSplit.ByDocument(trainer.Count, options.ValidationFraction, options.Seed);
        var prepared = TrainingData.Prepare([path], new ByteLevelTokenizer(), options);

        Assert.Equal(300, legacy.Documents.Count);
        Assert.Equal(trainer.Values, legacy.Documents);
        Assert.Equal(6, legacy.HeldOutIndices.Count);
        Assert.Equal(engineSplit.Validation, legacy.HeldOutIndices);
        Assert.Equal(engineSplit.Validation.Select(index => trainer[index]), legacy.HeldOut);
        // And the trainer itself, preparing the base's data, holds out as many documents of the same bytes.
        Assert.Equal(legacy.HeldOutIndices.Count, prepared.Report.HeldOutStatistics!.Documents);
        Assert.Equal(legacy.HeldOut.Sum(document => Encoding.UTF8.GetByteCount(document) + 1), prepared.Report.HeldOutStatistics.TotalTokens);
    }

    [Fact]
    public void The_manifest_names_the_files_hashes_and_counts_and_a_second_build_reuses_them_without_fetching()
    {
        using var directory = new TemporaryDirectory();
        var assembly = Assemble(Enumerable.Range(0, 500).Select(Sentence).ToList());
        var legacy = new[] { "A legacy held-out fortune, kept exactly as the trainer read it.  " };
        var source = new CorpusSource("sentences", "Made-up sentences", "public domain", ["none"], _ => []);
        var summaries = EnglishCorpus.Summaries(assembly, [source], new Dictionary<string, IReadOnlyList<PackageVersion>>());
        var output = Path.Combine(directory.Path, "out");

        var manifest = EnglishCorpus.WriteFiles(output, assembly, legacy, summaries);

        foreach (var file in new[] { manifest.Train, manifest.HeldOut, manifest.LegacyHeldOut })
        {
            var bytes = File.ReadAllBytes(Path.Combine(output, file.File));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), file.Sha256);
            Assert.Equal(bytes.LongLength, file.Bytes);
        }
        Assert.Equal(assembly.Train.Count, manifest.Train.Documents);
        Assert.Equal(SeparatedTextFile.Read(Path.Combine(output, manifest.Train.File)), assembly.Train);
        Assert.Equal(legacy, SeparatedTextFile.Read(Path.Combine(output, manifest.LegacyHeldOut.File)));
        var row = Assert.Single(manifest.Sources);
        Assert.Equal((500, assembly.Train.Count, assembly.HeldOut.Count), (row.DocumentsRead, row.TrainDocuments, row.HeldOutDocuments));
        Assert.Equal(assembly.Train.Sum(text => (long)Encoding.UTF8.GetByteCount(text)), row.TrainBytes);
        Assert.Equal(manifest, EnglishCorpusManifest.Load(Path.Combine(output, EnglishCorpus.ManifestFileName)) with { Sources = manifest.Sources });

        // The cache directory holds no package: a build that fetched anything would fail or take long, not return this.
        var again = new EnglishCorpus(Path.Combine(directory.Path, "empty-cache"), output).Build();
        Assert.Equal(manifest.Train, again.Train);
        Assert.Equal(manifest.HeldOut, again.HeldOut);
        Assert.False(Directory.Exists(Path.Combine(directory.Path, "empty-cache")));
    }

    [Fact]
    public void A_build_whose_file_was_truncated_is_not_reused()
    {
        using var directory = new TemporaryDirectory();
        var assembly = Assemble(Enumerable.Range(0, 50).Select(Sentence).ToList());
        var manifest = EnglishCorpus.WriteFiles(directory.Path, assembly, ["legacy text of a held-out fortune"], []);
        var corpus = new EnglishCorpus(directory.File("cache"), directory.Path);
        Assert.NotNull(corpus.Existing());

        File.WriteAllText(Path.Combine(directory.Path, manifest.Train.File), "truncated");

        Assert.Null(corpus.Existing());
    }

    static CorpusAssembly Assemble(IReadOnlyList<string> documents)
    {
        var assembly = new CorpusAssembly();
        assembly.Add("sentences", documents);
        return assembly;
    }

    /// <summary>A distinct made-up sentence: its own words, so no two are near-duplicates.</summary>
    static string Sentence(int index)
    {
        var words = new[] { "river", "stone", "lantern", "orchard", "harbour", "meadow", "copper", "willow", "thunder", "velvet" };
        var digits = index.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(digit => words[digit - '0']);
        return $"The {string.Join(" and the ", digits)} were seen near the old mill by the keeper.";
    }

    /// <summary>The documents as the trainer reads them (separator "%", byte-level tokens), by the trainer's numbering.</summary>
    static SortedDictionary<int, string> TrainerDocuments(string path, int sequenceLength)
    {
        var tokenizer = new ByteLevelTokenizer();
        var dataset = DatasetValidator.Validate([path], tokenizer, new DatasetOptions
        {
            SequenceLength = sequenceLength, Format = DatasetFormat.PlainText, PlainTextSeparator = "%", Overlong = OverlongPolicy.Split,
        });
        dataset.Report.ThrowIfInvalid();
        var documents = new SortedDictionary<int, string>();
        foreach (var document in dataset.Examples.GroupBy(example => example.Document))
            documents[document.Key] = tokenizer.Decode(document.SelectMany(example => example.Ids), skipSpecialTokens: true);
        return documents;
    }
}

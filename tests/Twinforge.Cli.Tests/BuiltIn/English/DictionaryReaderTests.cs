using System.IO.Compression;
using System.Text;
using Twinforge.Cli.BuiltIn.English;

namespace Twinforge.Cli.Tests.BuiltIn.English;

/// <summary>The dictd file reader and each dictionary's entry cleaner, on hand-made entries in their formats.</summary>
public sealed class DictionaryReaderTests
{
    [Fact]
    public void A_dictd_base64_number_is_read_most_significant_digit_first()
    {
        // B=1, d=29, q=42, M=12 in the alphabet A-Z a-z 0-9 + /.
        Assert.Equal(1L * 64 * 64 * 64 + 29 * 64 * 64 + 42 * 64 + 12, DictdDatabase.Number("BdqM"));
        Assert.Equal(63, DictdDatabase.Number("/"));
        Assert.Equal(0, DictdDatabase.Number("A"));
    }

    [Fact]
    public void Dictd_entries_are_read_once_each_in_file_order_without_the_database_entries()
    {
        using var directory = new TemporaryDirectory();
        var info = "00-database-info\nabout this database\n";
        var first = "Apple\n   A fruit of the apple tree.\n";
        var second = "Zebra\n   An African animal with stripes, curly \u201Cquoted\u201D.\n";
        var text = info + first + second;
        int Offset(string part) => Encoding.UTF8.GetByteCount(text[..text.IndexOf(part, StringComparison.Ordinal)]);
        string Base64(long value)
        {
            const string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            var result = "";
            do { result = digits[(int)(value % 64)] + result; value /= 64; } while (value > 0);
            return result;
        }
        string Line(string headword, string part) => $"{headword}\t{Base64(Offset(part))}\t{Base64(Encoding.UTF8.GetByteCount(part))}";
        // Two headwords share the zebra entry; the index is sorted by headword, not by offset.
        File.WriteAllLines(directory.File("test.index"), [Line("00databaseinfo", info), Line("apple", first), Line("equine", second), Line("zebra", second)]);
        using (var output = new GZipStream(File.Create(directory.File("test.dict.dz")), CompressionLevel.Optimal))
            output.Write(Encoding.UTF8.GetBytes(text));

        var entries = DictdDatabase.ReadEntries(directory.File("test")).ToList();

        Assert.Equal([first, second], entries);
    }

    [Fact]
    public void A_malformed_index_line_is_reported_with_its_file_and_line()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllLines(directory.File("bad.index"), ["apple\tA\tB", "broken line"]);
        using (var output = new GZipStream(File.Create(directory.File("bad.dict.dz")), CompressionLevel.Optimal))
            output.Write("some text here"u8);

        var error = Assert.Throws<InvalidDataException>(() => DictdDatabase.ReadEntries(directory.File("bad")).ToList());

        Assert.Contains("bad.index:2", error.Message);
    }

    [Fact]
    public void Windows_1252_bytes_in_an_otherwise_ascii_entry_become_their_characters()
    {
        Assert.Equal("The market\u2019s drop", LegacyText.Decode([.. "The market"u8, 0x92, .. "s drop"u8]));
        Assert.Equal("caf\u00e9", LegacyText.Decode("caf\u00e9"u8));
    }

    [Fact]
    public void A_gcide_entry_keeps_senses_and_quotations_and_drops_header_sources_and_synonyms()
    {
        var entry = """
            Aback \A*back"\ ([.a]*b[a^]k"), adv. [Pref. a- + back; AS. on
               b[ae]c at, on, or toward the back. See {Back}.]
               1. Toward the back or rear; backward. "Therewith aback she
                  started." --Chaucer.
                  [1913 Webster]

               2. (Naut.) Backward against the mast; -- said of the sails
                  when pressed by the wind. [Obs.] --Totten.
                  [1913 Webster]

                     The sails of the ship were thrown aback by the
                     wind, and the [ae]gis held.             --Dryden.
                  [1913 Webster]

               Syn: Backward; behind.

               {To be taken aback}, to be suddenly checked.
            """;

        var text = GcideEntry.ToText(entry);

        Assert.Equal(
            "1. Toward the back or rear; backward. \"Therewith aback she started.\" --Chaucer.\n\n" +
            "2. (Naut.) Backward against the mast; -- said of the sails when pressed by the wind. --Totten.\n\n" +
            "The sails of the ship were thrown aback by the wind, and the \u00e6gis held. --Dryden.\n\n" +
            "To be taken aback, to be suddenly checked.", text);
    }

    [Fact]
    public void Gcide_letter_codes_become_letters()
    {
        Assert.Equal("caf\u00e9 na\u00efve \u00e6on", GcideEntry.Clean("caf['e] na[\"i]ve [ae]on"));
        Assert.Equal("abacus", GcideEntry.Clean("ab[a^]cus [R.]"));
    }

    [Fact]
    public void A_wordnet_entry_becomes_one_line_per_sense_without_pos_numbers_or_synonym_lists()
    {
        var entry = """
            idealization
                n 1: a portrayal of something as ideal; "the idealization of
                     rural life was very misleading" [syn: {idealization},
                     {idealisation}, {glorification}]
                2: (psychiatry) a defense mechanism that splits something you
                   are ambivalent about into two representations [syn:
                   {idealization}] [ant: {realism}]
            """;

        Assert.Equal(
            "a portrayal of something as ideal; \"the idealization of rural life was very misleading\"\n" +
            "(psychiatry) a defense mechanism that splits something you are ambivalent about into two representations",
            WordNetEntry.ToText(entry));
    }

    [Fact]
    public void A_jargon_entry_drops_headword_pronunciation_tags_and_code_but_keeps_verse()
    {
        var entry = """
            BNF
             /B·N·F/, n.

                1. [techspeak] Acronym for Backus Normal Form, a {metasyntactic
                notation} used to specify the syntax of programming languages:


                 <postal-address> ::= <name-part> <street-address> <zip-part>

                 <personal-part> ::= <name> | <initial> "."

                2. [Usenet] The following haiku seems to have predated the term:

                        Windows NT crashed.
                        I am the Blue Screen of Death
                        No one hears your screams.
            """;

        Assert.Equal(
            "1. Acronym for Backus Normal Form, a metasyntactic notation used to specify the syntax of programming languages:\n\n" +
            "2. The following haiku seems to have predated the term:\n\n" +
            "Windows NT crashed.\nI am the Blue Screen of Death\nNo one hears your screams.",
            JargonFileEntry.ToText(entry));
    }

    [Fact]
    public void A_foldoc_entry_drops_headwords_subject_tags_dates_sources_and_contacts()
    {
        var entry = """
            Emacs
            GNU Emacs

               <text, tool> /ee'maks/ A popular {screen editor} for {Unix}
               and most other {operating systems}.

               Emacs was {Richard Stallman}'s first step in the {GNU} project
               (http://www.gnu.org/software/emacs/).

               2. <history> It was originally written in {TECO} under {ITS} at
               the {MIT} {AI lab}; see the archive (http://example.org/a/very/long/
            address).

               E-mail: Richard Stallman <rms@gnu.org>.

               Home (http://www.gnu.org/).

               [{Jargon File}]

               ["Exploring the Pick Operating System", J.E. Sisk et al,
               Hayden 1986].

               (1996-04-07)
            """;

        Assert.Equal(
            "/ee'maks/ A popular screen editor for Unix and most other operating systems.\n\n" +
            "Emacs was Richard Stallman's first step in the GNU project.\n\n" +
            "2. It was originally written in TECO under ITS at the MIT AI lab; see the archive.",
            FoldocEntry.ToText(entry));
    }

    [Fact]
    public void A_devils_dictionary_entry_keeps_its_headword_sentence_and_its_verse_lines()
    {
        var entry = """
            ABSTAINER, n.  A weak person who yields to the temptation of denying
            himself a pleasure.  See {ABSTINENCE}.

                Said a man to a crapulent youth:  "I thought
                    You a total abstainer, my son."
                                                                  G.J.
            """;

        Assert.Equal(
            "ABSTAINER, n.  A weak person who yields to the temptation of denying himself a pleasure.  See ABSTINENCE.\n\n" +
            "Said a man to a crapulent youth:  \"I thought\nYou a total abstainer, my son.\"\nG.J.",
            DevilsDictionaryEntry.ToText(entry));
    }
}

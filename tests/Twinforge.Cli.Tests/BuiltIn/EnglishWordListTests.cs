using Twinforge.Cli.BuiltIn;

namespace Twinforge.Cli.Tests.BuiltIn;

public sealed class EnglishWordListTests
{
    [Fact]
    public void Words_are_counted_as_written_or_in_lower_case_with_apostrophes_and_half_words_are_not_english()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["the", "network", "is", "slow", "isn't", "Boston", "user's", "solar", "flares"]);
            var list = EnglishWordList.FromFile(path);

            Assert.Equal((4, 4), list.Count("The network is slow."));
            Assert.Equal((3, 3), list.Count("isn't Boston, user's!"));
            Assert.Equal((2, 5), list.Count("solar flares ploacheres scape crose"));
            Assert.Equal((0, 0), list.Count("42 -- !!"));
            Assert.Equal((0, 1), list.Count("boston")); // proper nouns only as written
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using HiPO.ModeParsing;

namespace HiPO.Server.Tests.ModeParsing;

public class StopStringMatcherTests
{
    [Fact]
    public void Stop_in_one_chunk_returns_the_text_before_it() =>
        Assert.True(AfterFeeding(["END"], ("abc END def", "abc ")).Stopped);

    [Fact]
    public void Stop_split_across_chunks_is_recognised()
    {
        var matcher = AfterFeeding(["END"], ("abc E", "abc "), ("N", ""));

        Assert.False(matcher.Stopped);
        Assert.Equal("", matcher.Feed("D more"));
        Assert.True(matcher.Stopped);
    }

    [Fact]
    public void Partial_match_that_fails_releases_the_held_text() =>
        Assert.False(AfterFeeding(["END"], ("EN", ""), ("d", "ENd")).Stopped);

    [Fact]
    public void Flush_releases_the_held_text_at_the_end_of_the_stream() =>
        Assert.Equal("EN", AfterFeeding(["END"], ("xEN", "x")).Flush());

    [Fact]
    public void Input_after_a_stop_is_ignored()
    {
        var matcher = new StopStringMatcher(["END"]);
        matcher.Feed("aEN");
        matcher.Feed("Db");

        Assert.Equal("", matcher.Feed("more"));
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void Stop_that_is_a_prefix_of_another_stops_as_soon_as_it_completes() =>
        Assert.True(AfterFeeding(["abc", "ab"], ("xa", "x"), ("bc", "")).Stopped);

    [Fact]
    public void With_several_stops_the_first_to_complete_wins()
    {
        Assert.Equal("one ", new StopStringMatcher(["two", "1 2"]).Feed("one two 1 2"));
        Assert.Equal("ab", new StopStringMatcher(["abcd", "c"]).Feed("abcd"));
    }

    [Fact]
    public void Only_a_suffix_that_could_begin_a_stop_is_held_back() =>
        AfterFeeding(["</s>", "###"], ("a < b #", "a < b "), ("#", ""), ("x </", "##x "));

    [Fact]
    public void Without_stops_everything_passes_through() =>
        Assert.Equal("", AfterFeeding([], ("anything", "anything")).Flush());

    [Fact]
    public void Empty_stop_strings_are_ignored()
    {
        Assert.Equal("text", new StopStringMatcher([""]).Feed("text"));
    }

    [Theory]
    [InlineData("The answer is 42.\nObservation: done", new[] { "Observation:", "\n\n", "Obs" })]
    [InlineData("no stop here, only O and Ob and \n", new[] { "Observation:", "\n\n" })]
    [InlineData("aaab", new[] { "aab", "ab" })]
    public void Every_chunking_gives_the_same_text_and_never_emits_a_stop(string text, string[] stops)
    {
        string expected = Run(stops, [text]);
        Assert.DoesNotContain(stops, stop => expected.Contains(stop, StringComparison.Ordinal));

        var random = new Random(42);
        for (int i = 0; i < 1000; i++)
        {
            var chunks = new List<string>();
            for (int start = 0; start < text.Length;)
            {
                int length = Math.Min(random.Next(0, 6), text.Length - start);
                chunks.Add(text.Substring(start, length));
                start += length;
            }
            Assert.Equal(expected, Run(stops, chunks));
        }
    }

    /// <summary>A matcher for <paramref name="stops"/> fed each chunk in turn, checking the text each one releases.</summary>
    private static StopStringMatcher AfterFeeding(string[] stops, params (string Chunk, string Released)[] steps)
    {
        var matcher = new StopStringMatcher(stops);
        foreach (var (chunk, released) in steps)
            Assert.Equal(released, matcher.Feed(chunk));
        return matcher;
    }

    private static string Run(string[] stops, IEnumerable<string> chunks)
    {
        var matcher = new StopStringMatcher(stops);
        string output = string.Concat(chunks.Select(matcher.Feed));
        return output + matcher.Flush();
    }
}

using HiPO.ModeParsing;
using static HiPO.ModeParsing.ModeEventKind;

namespace HiPO.Server.Tests.ModeParsing;

public class HipoReplyParserTests
{
    private const string ThinkOnReply =
        "The query needs multi-step arithmetic.\n</judge>\n\n<think_on>\n<think>\n12 * 7 = 84\n</think>\n\n<answer>\n84\n</answer>";

    private const string ThinkOffReply =
        "A greeting needs no reasoning.\n</judge>\n\n<think_off>\n<answer>\nHello!\n</answer>";

    [Fact]
    public void Think_on_reply_is_split_into_judge_decision_reasoning_and_answer()
    {
        Assert.Equal(
            [Text(Judge, "The query needs multi-step arithmetic."), Decided(ThinkMode.On), Text(Reasoning, "12 * 7 = 84"), Text(Answer, "84")],
            Events([ThinkOnReply]));
        Assert.Equal(
            new ParsedReply("The query needs multi-step arithmetic.", ThinkMode.On, "12 * 7 = 84", "84"),
            Parse(ThinkOnReply));
    }

    [Fact]
    public void Think_off_reply_has_no_reasoning()
    {
        Assert.Equal(
            [Text(Judge, "A greeting needs no reasoning."), Decided(ThinkMode.Off), Text(Answer, "Hello!")],
            Events([ThinkOffReply]));
        Assert.Equal(new ParsedReply("A greeting needs no reasoning.", ThinkMode.Off, null, "Hello!"), Parse(ThinkOffReply));
    }

    [Fact]
    public void Tags_without_whitespace_between_them_are_recognised()
    {
        Assert.Equal(
            new ParsedReply("why", ThinkMode.On, "r", "a"),
            Parse("why</judge><think_on><think>r</think><answer>a</answer>"));
    }

    [Fact]
    public void Reply_that_opens_the_judge_itself_parses_like_one_that_starts_inside_it()
    {
        Assert.Equal(Parse(ThinkOnReply), Parse("<judge>\n" + ThinkOnReply));
        Assert.Equal(Parse(ThinkOnReply), Parse("<judge>\n" + ThinkOnReply, startsInJudge: false));
    }

    [Fact]
    public void Only_one_newline_is_trimmed_at_each_end_of_a_block()
    {
        var reply = Parse("\n\nwhy\n\n</judge><think_off><answer>\n\n  a\n\n</answer>");

        Assert.Equal("\nwhy\n", reply.Judge);
        Assert.Equal("\n  a\n", reply.Answer);
    }

    [Fact]
    public void Tag_split_across_chunks_is_recognised()
    {
        var parser = new HipoReplyParser();
        var events = new List<ModeEvent>();

        parser.Feed("why</jud", events);
        Assert.Equal([Text(Judge, "why")], events);
        parser.Feed("ge><thin", events);
        Assert.Equal(ReplySection.Answer, parser.Section);
        parser.Feed("k_o", events);
        parser.Feed("n>", events);

        Assert.Equal([Text(Judge, "why"), Decided(ThinkMode.On)], events);
        Assert.Equal(ReplySection.Reasoning, parser.Section);
    }

    [Fact]
    public void Text_streams_as_soon_as_it_cannot_begin_a_tag()
    {
        var parser = new HipoReplyParser();
        var events = new List<ModeEvent>();

        parser.Feed("if a <", events);
        Assert.Equal([Text(Judge, "if a ")], events);
        parser.Feed(" b", events);
        Assert.Equal([Text(Judge, "if a "), Text(Judge, "< b")], events);
    }

    [Fact]
    public void Only_a_trailing_newline_is_held_back_inside_a_block()
    {
        var parser = new HipoReplyParser();
        var events = new List<ModeEvent>();

        parser.Feed("line one\n", events);
        Assert.Equal([Text(Judge, "line one")], events);
        parser.Feed("line two", events);
        Assert.Equal([Text(Judge, "line one"), Text(Judge, "\nline two")], events);
    }

    [Fact]
    public void Stray_angle_brackets_pass_through_as_text()
    {
        var reply = Parse("why</judge><think_off><answer>a < b, <div>, <thinking>, </answers>, <</answer>");

        Assert.Equal("a < b, <div>, <thinking>, </answers>, <", reply.Answer);
    }

    [Fact]
    public void Reply_without_tags_becomes_the_answer_when_it_ended_naturally()
    {
        Assert.Equal(
            [Text(Judge, "Just text."), Decided(ThinkMode.Off), Text(Answer, "Just text.")],
            Merged(Events(["Just ", "text."])));
        Assert.Equal(new ParsedReply(null, ThinkMode.Off, null, "Just text."), Parse("Just text."));
    }

    [Fact]
    public void Truncated_reply_without_tags_stays_judge_with_no_mode()
    {
        Assert.Equal(new ParsedReply("Just te", null, null, ""), Parse("Just te", endedNaturally: false));
    }

    [Fact]
    public void Think_without_think_on_decides_on_before_the_reasoning()
    {
        Assert.Equal(
            [Text(Judge, "why"), Decided(ThinkMode.On), Text(Reasoning, "r"), Text(Answer, "a")],
            Events(["why</judge>\n<think>\nr\n</think>\n<answer>\na\n</answer>"]));
    }

    [Fact]
    public void Answer_without_a_decision_decides_off()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.Off, null, "a"), Parse("why</judge>\n<answer>\na\n</answer>"));
    }

    [Fact]
    public void Decision_tag_ends_an_unclosed_judge()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.Off, null, "a"), Parse("why\n<think_off>\n<answer>\na\n</answer>"));
    }

    [Fact]
    public void Answer_without_close_tag_runs_to_the_end()
    {
        Assert.Equal("a\nb", Parse("why</judge><think_off><answer>\na\nb").Answer);
    }

    [Fact]
    public void Text_after_the_answer_is_dropped()
    {
        var parser = new HipoReplyParser();
        var events = new List<ModeEvent>();

        parser.Feed("why</judge><think_off><answer>a</answer>\n<answer>more", events);
        parser.Finish(endedNaturally: true, events);

        Assert.Equal(ReplySection.Done, parser.Section);
        Assert.Equal([Text(Judge, "why"), Decided(ThinkMode.Off), Text(Answer, "a")], events);
    }

    [Fact]
    public void Unclosed_think_at_a_natural_end_is_all_reasoning()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.On, "r\n<answe", ""), Parse("why</judge><think_on><think>\nr\n<answe"));
    }

    [Fact]
    public void Answer_tag_ends_an_unclosed_think()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.On, "r", "a"), Parse("why</judge><think_on><think>\nr\n<answer>a</answer>"));
    }

    [Fact]
    public void Text_after_think_on_without_think_tag_is_reasoning()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.On, "r", "a"), Parse("why</judge><think_on>\nr</think><answer>a</answer>"));
    }

    [Fact]
    public void Text_after_think_off_without_answer_tag_is_answer()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.Off, null, "a"), Parse("why</judge>\n<think_off>\n\na"));
    }

    [Fact]
    public void Text_between_think_close_and_answer_is_answer()
    {
        // The stray text already opened the answer, so the late tag just vanishes from it.
        Assert.Equal("x y\n\nz", Parse("why</judge><think_on><think>r</think>\n x y\n<answer>\nz</answer>").Answer);
    }

    [Fact]
    public void Text_after_judge_without_decision_is_answer_and_decides_off()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.Off, null, "a"), Parse("why</judge>\n\na"));
    }

    [Fact]
    public void Truncated_reply_keeps_the_decision_made_so_far()
    {
        Assert.Equal(new ParsedReply("why", ThinkMode.On, "long", ""), Parse("why</judge><think_on><think>long", endedNaturally: false));
    }

    [Fact]
    public void Unfinished_tag_is_dropped_when_truncated_and_kept_as_text_at_a_natural_end()
    {
        const string text = "why</judge><think_off><answer>a\n</ans";

        Assert.Equal("a", Parse(text, endedNaturally: false).Answer);
        Assert.Equal("a\n</ans", Parse(text, endedNaturally: true).Answer);
    }

    [Fact]
    public void Tags_out_of_order_are_dropped_without_effect()
    {
        var reply = Parse("why</judge><think_off><think_on><think><answer>a<judge>b</think></answer>");

        Assert.Equal(new ParsedReply("why", ThinkMode.Off, null, "ab"), reply);
    }

    [Fact]
    public void Reply_not_starting_in_judge_treats_untagged_text_as_the_answer()
    {
        Assert.Equal(
            [Decided(ThinkMode.Off), Text(Answer, "Plain <b>answer</b>.")],
            Events(["\nPlain <b>answer</b>."], startsInJudge: false));
        Assert.Equal(new ParsedReply(null, ThinkMode.Off, null, "Plain answer."), Parse("Plain answer.", startsInJudge: false));
    }

    [Fact]
    public void Section_and_mode_follow_the_reply()
    {
        var parser = new HipoReplyParser();
        var events = new List<ModeEvent>();
        var seen = new List<(ReplySection, ThinkMode?)> { (parser.Section, parser.Mode) };
        foreach (string chunk in new[] { "why", "</judge>", "<think_on>", "<think>r", "</think>", "<answer>a", "</answer>" })
        {
            parser.Feed(chunk, events);
            seen.Add((parser.Section, parser.Mode));
        }

        Assert.Equal(
            [
                (ReplySection.Judge, null), (ReplySection.Judge, null), (ReplySection.Answer, null),
                (ReplySection.Reasoning, ThinkMode.On), (ReplySection.Reasoning, ThinkMode.On),
                (ReplySection.Answer, ThinkMode.On), (ReplySection.Answer, ThinkMode.On), (ReplySection.Done, ThinkMode.On),
            ],
            seen);
    }

    public static TheoryData<string, bool> Fixtures => new()
    {
        { ThinkOnReply, true },
        { ThinkOffReply, true },
        { "<judge>\n" + ThinkOnReply, true },
        { "<judge>\n" + ThinkOffReply, false },
        { "why</judge><think_on><think>r</think><answer>a</answer>", true },
        { "  \n\nwhy\n\n</judge>\n \n<think_on>\n\n<think>\n\nr\n\n</think>\n \n<answer>\n\na\n\n</answer>\n\ntrailing", true },
        { "No tags at all,\njust a plain reply with a < b and <div>.\n", true },
        { "No tags at all, with a dangling </ans", true },
        { "Plain answer from another model.\n", false },
        { "why\n<think_off>\nstray answer <think>\n<answer>\na</answer>", true },
        { "why</judge>\n<think>\nr <thinking> 1<2\n</think>\nstray\n<answer>\na\n", true },
        { "why</judge>\n\nstray after judge\n<think_on><answer>a", true },
        { "why</judge><think_on>\nreasoning without think tag\n<think>more\n<answer>a</answer>", true },
        { "why</judge><think_on><think>never closed\n<answe", true },
        { "<<judge>>\n<</judge>\n<think_off>>\n<answer><<a>></answer>", true },
        { "w\n\n\n<judge>\n\nhy</judge>\n\n<think_off>\n\n\n<answer>\n\n\n</answer>", true },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_chunking_gives_the_same_events_as_the_whole_text(string text, bool startsInJudge)
    {
        var random = new Random(text.Length);
        foreach (bool endedNaturally in new[] { true, false })
        {
            var expected = Merged(Events([text], startsInJudge, endedNaturally));
            // The mode is decided once at most, before any reasoning or answer text, and only think-on has reasoning.
            int decided = expected.FindIndex(e => e.Kind == ModeDecided);
            Assert.Equal(decided, expected.FindLastIndex(e => e.Kind == ModeDecided));
            Assert.DoesNotContain(expected.Take(decided < 0 ? expected.Count : decided), e => e.Kind is Reasoning or Answer);
            if (decided < 0 || expected[decided].Mode != ThinkMode.On)
                Assert.DoesNotContain(expected, e => e.Kind == Reasoning);

            Assert.Equal(expected, Merged(Events(text.Select(c => c.ToString()), startsInJudge, endedNaturally)));
            for (int i = 0; i < 1000; i++)
                Assert.Equal(expected, Merged(Events(RandomSplit(text, random), startsInJudge, endedNaturally)));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void No_tag_leaks_into_event_text(string text, bool startsInJudge)
    {
        var random = new Random(text.Length);
        for (int i = 0; i < 200; i++)
        {
            foreach (var e in Events(RandomSplit(text, random), startsInJudge, endedNaturally: false))
                Assert.DoesNotContain(AllTags, tag => e.Text.Contains(tag, StringComparison.Ordinal));
        }
    }

    private static readonly string[] AllTags =
    [
        HipoTags.JudgeOpen, HipoTags.JudgeClose, HipoTags.ThinkOn, HipoTags.ThinkOff,
        HipoTags.ThinkOpen, HipoTags.ThinkClose, HipoTags.AnswerOpen, HipoTags.AnswerClose,
    ];

    private static ModeEvent Text(ModeEventKind kind, string text) => new(kind, text);

    private static ModeEvent Decided(ThinkMode mode) => new(ModeDecided, "", mode);

    private static List<ModeEvent> Events(IEnumerable<string> chunks, bool startsInJudge = true, bool endedNaturally = true)
    {
        var parser = new HipoReplyParser(startsInJudge);
        var events = new List<ModeEvent>();
        foreach (string chunk in chunks)
            parser.Feed(chunk, events);
        parser.Finish(endedNaturally, events);
        return events;
    }

    /// <summary>
    /// A whole reply split into its parts, by the streaming parser. <see cref="Judge"/> is null when the reply had no judge
    /// block or its judge became the answer; <see cref="Reasoning"/> is null unless <see cref="Mode"/> is on.
    /// </summary>
    private sealed record ParsedReply(string? Judge, ThinkMode? Mode, string? Reasoning, string Answer);

    private static ParsedReply Parse(string text, bool startsInJudge = true, bool endedNaturally = true)
    {
        var parser = new HipoReplyParser(startsInJudge);
        var events = new List<ModeEvent>();
        parser.Feed(text, events);
        var judgeWasAnswer = endedNaturally && parser.Section == ReplySection.Judge;
        parser.Finish(endedNaturally, events);

        var hasJudge = !judgeWasAnswer && (startsInJudge || events.Any(e => e.Kind == Judge));
        return new ParsedReply(
            hasJudge ? Joined(events, Judge) : null,
            parser.Mode,
            parser.Mode == ThinkMode.On ? Joined(events, Reasoning) : null,
            Joined(events, Answer));
    }

    private static List<ModeEvent> Merged(List<ModeEvent> events)
    {
        var merged = new List<ModeEvent>();
        foreach (var e in events)
        {
            Assert.True(e.Kind == ModeDecided || e.Text.Length > 0, "text events are never empty");
            if (merged.Count > 0 && merged[^1].Kind == e.Kind && e.Kind != ModeDecided)
                merged[^1] = merged[^1] with { Text = merged[^1].Text + e.Text };
            else
                merged.Add(e);
        }
        return merged;
    }

    private static string Joined(List<ModeEvent> events, ModeEventKind kind) =>
        string.Concat(events.Where(e => e.Kind == kind).Select(e => e.Text));

    private static List<string> RandomSplit(string text, Random random)
    {
        var chunks = new List<string>();
        for (int start = 0; start < text.Length;)
        {
            int length = Math.Min(random.Next(0, 12), text.Length - start);
            chunks.Add(text.Substring(start, length));
            start += length;
        }
        return chunks;
    }
}

using HiPO.Inference.Hosting;
using HiPO.ModeParsing;

namespace HiPO.Server.Tests.Inference;

public sealed class ReplyTrackerTests
{
    private static readonly HipoPromptRenderer Renderer = new(new EffectiveReasoning(new ReasoningOptions()));

    private static (List<ModeEvent> Events, ReplyTracker Tracker) Run(ThinkModeRequest mode, string[] stops, params string[] tokens) =>
        Run(mode, stops, constrained: false, tokens);

    private static (List<ModeEvent> Events, ReplyTracker Tracker) Run(ThinkModeRequest mode, string[] stops, bool constrained, params string[] tokens)
    {
        var tracker = new ReplyTracker(Renderer.Render([new ChatTurn(ChatRole.User, "q")], mode), stops, raw: false, constrainedAnswer: constrained);
        var events = new List<ModeEvent>();
        tracker.Start(events);
        foreach (var token in tokens)
        {
            tracker.OnToken(token, events);
            if (tracker.IsComplete)
                break;
        }
        if (!tracker.IsComplete)
            tracker.Finish(endedNaturally: true, events);
        return (events, tracker);
    }

    private static string Text(List<ModeEvent> events, ModeEventKind kind) => string.Concat(events.Where(e => e.Kind == kind).Select(e => e.Text));

    [Fact]
    public void A_stop_string_inside_the_reasoning_does_not_stop_the_reply()
    {
        var (events, _) = Run(ThinkModeRequest.Auto, ["STOP"], "Hard.", "\n</judge>\n", "<think_on>\n<think>\n", "we could STOP here", "\n</think>\n<answer>\n", "done", "\n</answer>");

        Assert.Equal("we could STOP here", Text(events, ModeEventKind.Reasoning));
        Assert.Equal("done", Text(events, ModeEventKind.Answer));
    }

    [Fact]
    public void A_stop_string_in_the_answer_ends_the_reply_without_being_emitted()
    {
        var (events, tracker) = Run(ThinkModeRequest.Auto, ["STOP"], "Easy.", "\n</judge>\n<think_off>\n<answer>\n", "one ST", "OP two");

        Assert.True(tracker.IsComplete);
        Assert.Equal("one ", Text(events, ModeEventKind.Answer));
    }

    [Fact]
    public void A_forced_mode_is_reported_first_and_the_prefill_is_not_echoed()
    {
        var (events, tracker) = Run(ThinkModeRequest.Off, [], "\nParis.", "\n</answer>");

        Assert.Equal(new ModeEvent(ModeEventKind.ModeDecided, "", ThinkMode.Off), events[0]);
        Assert.Equal("Paris.", Text(events, ModeEventKind.Answer));
        Assert.Equal("", Text(events, ModeEventKind.Judge));
        Assert.Equal(ThinkMode.Off, tracker.Mode);
    }

    [Fact]
    public void Tokens_before_the_answer_count_as_reasoning_and_only_think_tokens_count_against_the_budget()
    {
        var (_, tracker) = Run(ThinkModeRequest.Auto, [], "Hard.", "\n</judge>\n", "<think_on>\n<think>\n", "a", "b", "\n</think>\n<answer>\n", "x", "\n</answer>");

        Assert.Equal(6, tracker.ReasoningTokens);
        Assert.Equal(3, tracker.ThinkTokens);
    }

    [Fact]
    public void A_constrained_answer_is_opaque_to_tags_and_stop_strings_and_ends_only_with_generation()
    {
        var (events, tracker) = Run(ThinkModeRequest.Auto, ["STOP"], constrained: true,
            "Easy.", "\n</judge>\n<think_off>\n<answer>", "\n{\"a\":\"", "</answer>", " <think> STOP", "\"}");

        Assert.False(tracker.IsComplete);
        Assert.Equal("{\"a\":\"</answer> <think> STOP\"}", Text(events, ModeEventKind.Answer));
        Assert.Equal("Easy.", Text(events, ModeEventKind.Judge));
        Assert.Equal(ThinkMode.Off, tracker.Mode);
    }

    [Fact]
    public void A_constrained_reply_may_not_end_before_its_answer_block()
    {
        var tracker = new ReplyTracker(Renderer.Render([new ChatTurn(ChatRole.User, "q")], ThinkModeRequest.Auto), [], raw: false, constrainedAnswer: true);
        var events = new List<ModeEvent>();
        tracker.OnToken("Hard.\n</judge>\n<think_on>\n<think>\nhm\n</think>\n", events);
        Assert.False(tracker.MayEnd);

        tracker.OnToken("<answer>", events);
        Assert.True(tracker.MayEnd);
    }
}

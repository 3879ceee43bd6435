namespace HiPO.Server.Tests.Gguf;

/// <summary>The fixtures' scripts, spelled out: what the server tests can rely on.</summary>
public sealed class ScriptedModelsTests
{
    [Fact]
    public void Think_on_reply_has_judge_reasoning_and_answer()
    {
        ScriptedFixture fixture = ScriptedModels.ThinkOn;

        Assert.Equal(
            fixture.Judge + "\n</judge><think_on><think>\n" + fixture.Reasoning + "\n</think>\n\n<answer>\n" + fixture.Answer + "\n</answer>",
            fixture.Reply.Text);
        Assert.Equal("17 × 23 = 391.", fixture.Answer);
    }

    [Fact]
    public void Think_off_reply_has_judge_and_answer()
    {
        ScriptedFixture fixture = ScriptedModels.ThinkOff;

        Assert.Equal(fixture.Judge + "\n</judge>\n\n<think_off><answer>\n" + fixture.Answer + "\n</answer>", fixture.Reply.Text);
        Assert.Null(fixture.Reasoning);
    }

    [Fact]
    public void Multi_byte_reply_has_cjk_and_an_emoji()
    {
        ScriptedFixture fixture = ScriptedModels.MultiByte;

        Assert.Equal("你好，世界！ Here is a smile: 😀 and goodbye.", fixture.Answer);
        Assert.Equal(fixture.Judge + "\n</judge>\n\n<think_off><answer>\n" + fixture.Answer + "\n</answer>", fixture.Reply.Text);
    }

    [Fact]
    public void Endless_reply_repeats_its_answer_line()
    {
        ScriptedReply reply = ScriptedModels.Endless.Reply;

        Assert.True(reply.IsEndless);
        Assert.Equal(
            "Repeating forever needs no reasoning.\n</judge>\n\n<think_off><answer>\nThis reply never ends.\nThis reply never ends.\nThis",
            reply.TextOfFirst(18));
    }

    [Fact]
    public void Malformed_reply_has_no_tags()
    {
        Assert.Equal("This reply ignores the HiPO format and has no tags at all.", ScriptedModels.Malformed.Reply.Text);
    }

    [Fact]
    public void Demo_answers_every_mode_with_the_same_reasoning_and_answer()
    {
        ScriptedFixture demo = ScriptedModels.Demo;
        string afterThink = "\n" + demo.Reasoning + "\n</think>\n\n<answer>\n" + demo.Answer + "\n</answer>";

        Assert.Equal(demo.Judge + "\n</judge><think_on><think>" + afterThink, demo.Reply.Text);
        Assert.Equal(afterThink, demo.ReplyAfter("<think>").Text);
        Assert.Equal("\n" + demo.Answer + "\n</answer>", demo.ReplyAfter("<answer>").Text);
        Assert.Contains("demo", demo.Answer);
    }
}

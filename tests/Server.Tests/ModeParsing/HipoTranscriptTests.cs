using HiPO.ModeParsing;

namespace HiPO.Server.Tests.ModeParsing;

public class HipoTranscriptTests
{
    [Fact]
    public void Think_on_turn_is_reduced_to_its_answer()
    {
        Assert.Equal("84", HipoTranscript.AnswerOf("<judge>\nwhy\n</judge>\n\n<think_on>\n<think>\nr\n</think>\n\n<answer>\n84\n</answer>"));
    }

    [Fact]
    public void Answer_without_close_tag_runs_to_the_end()
    {
        Assert.Equal("partial", HipoTranscript.AnswerOf("why</judge><think_off><answer>\npartial\n"));
    }

    [Fact]
    public void Without_answer_tag_the_text_after_think_off_is_the_answer()
    {
        Assert.Equal("direct", HipoTranscript.AnswerOf("why</judge>\n<think_off>\ndirect\n"));
    }

    [Fact]
    public void Without_answer_tag_the_text_after_the_last_think_close_is_the_answer()
    {
        Assert.Equal("after", HipoTranscript.AnswerOf("<think>a</think>b</think>\nafter"));
    }

    [Fact]
    public void Plain_text_is_kept()
    {
        Assert.Equal("Hello, a < b.", HipoTranscript.AnswerOf("Hello, a < b."));
    }

    [Fact]
    public void Think_off_turn_is_reduced_to_its_answer()
    {
        Assert.Equal("Hello!", HipoTranscript.AnswerOf("why\n</judge>\n\n<think_off>\n<answer>\nHello!\n</answer>"));
    }

    [Fact]
    public void Text_without_tags_is_kept_less_one_newline_at_each_end()
    {
        Assert.Equal("Just text\n", HipoTranscript.AnswerOf("\nJust text\n\n"));
    }

    // As in Qwen's template, all newlines after the </think> go: ced8180 kept one of two ("\nA").
    [Theory]
    [InlineData("r\n</think>\n\nA")]
    [InlineData("<think>\nr\n</think>\n\nA")]
    public void Reasoning_of_a_qwen3_style_reply_is_dropped_with_or_without_its_opening_tag(string content)
    {
        Assert.Equal("A", HipoTranscript.AnswerOf(content));
    }

    [Theory]
    [InlineData("Models wrap reasoning in <think> tags.")]
    [InlineData("Use <think_on> to force reasoning.")]
    [InlineData("Close the judge with </judge> first.")]
    public void Plain_text_that_mentions_a_tag_is_kept(string content)
    {
        Assert.Equal(content, HipoTranscript.AnswerOf(content));
    }

    // No answer to keep, and no </think> to cut at: kept whole, as by ced8180 and Qwen's template.
    [Fact]
    public void Turn_cut_off_inside_its_reasoning_is_kept_whole()
    {
        const string truncated = "why\n</judge>\n\n<think_on>\n<think>\nr never";
        Assert.Equal(truncated, HipoTranscript.AnswerOf(truncated));
    }

    [Fact]
    public void Think_close_inside_the_answer_block_is_answer_text_that_loses_the_tag()
    {
        Assert.Equal(
            "Close with  always.",
            HipoTranscript.AnswerOf("why</judge><think_on><think>r</think><answer>Close with </think> always.</answer>"));
    }

    [Fact]
    public void Only_one_newline_is_trimmed_at_each_end()
    {
        Assert.Equal("\n x \n", HipoTranscript.AnswerOf("<answer>\n\n x \n\n</answer>"));
    }
}

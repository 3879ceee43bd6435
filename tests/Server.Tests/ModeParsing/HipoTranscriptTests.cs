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
    public void Only_one_newline_is_trimmed_at_each_end()
    {
        Assert.Equal("\n x \n", HipoTranscript.AnswerOf("<answer>\n\n x \n\n</answer>"));
    }
}

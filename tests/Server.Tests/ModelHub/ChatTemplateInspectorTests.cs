using HiPO.ModelHub;

namespace HiPO.Server.Tests.ModelHub;

public sealed class ChatTemplateInspectorTests
{
    [Fact]
    public void Generation_prompt_that_opens_judge_is_detected()
    {
        var facts = ChatTemplateInspector.Inspect(TinyQwen3Checkpoint.ChatTemplate);

        Assert.Equal("<|im_start|>assistant\n<judge>\n", facts.GenerationPrompt);
        Assert.True(facts.OpensJudge);
        Assert.False(facts.HasConditionalParts);
        Assert.Contains("opens <judge>", facts.Describe());
    }

    [Fact]
    public void Conditional_parts_of_the_generation_prompt_are_left_out_and_reported()
    {
        // Qwen3's form: think-off only when the caller passes enable_thinking=false.
        const string template =
            "{%- for message in messages %}{{ message.content }}{%- endfor %}\n" +
            "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n" +
            "    {%- if enable_thinking is defined and enable_thinking is false %}\n        {{- '<think>\\n\\n</think>\\n\\n' }}\n    {%- endif %}\n" +
            "{%- endif %}";

        var facts = ChatTemplateInspector.Inspect(template);

        Assert.Equal("<|im_start|>assistant\n", facts.GenerationPrompt);
        Assert.True(facts.HasConditionalParts);
        Assert.False(facts.OpensJudge);
    }

    [Fact]
    public void Generation_prompt_built_from_a_variable_gives_no_suggestion()
    {
        var facts = ChatTemplateInspector.Inspect("{% if add_generation_prompt %}{{ '<|im_start|>' + role + '\\n' }}{% endif %}");

        Assert.True(facts.HasTemplate);
        Assert.Null(facts.GenerationPrompt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_template_is_reported(string? template)
    {
        var facts = ChatTemplateInspector.Inspect(template);

        Assert.False(facts.HasTemplate);
        Assert.Null(facts.GenerationPrompt);
        Assert.Contains("no chat template", facts.Describe());
    }

    [Fact]
    public void The_else_branch_is_not_part_of_the_generation_prompt()
    {
        var facts = ChatTemplateInspector.Inspect("{%- if add_generation_prompt -%}{{- \"<|im_start|>assistant\\n\" -}}{%- else -%}{{- '<|endoftext|>' -}}{%- endif -%}");

        Assert.Equal("<|im_start|>assistant\n", facts.GenerationPrompt);
    }
}

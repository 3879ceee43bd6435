using HiPO.Inference.Hosting;
using HiPO.ModeParsing;

namespace HiPO.Inference.Prompting;

/// <summary>
/// Renders a conversation into HiPO's (KAT-V1) ChatML prompt in our own code, since llama.cpp's template
/// engine would lose the judge opening and the history stripping.
/// </summary>
public sealed class HipoPromptRenderer(ReasoningOptions options)
{
    public RenderedPrompt Render(IReadOnlyList<ChatTurn> turns, ThinkModeRequest mode)
    {
        var segments = new List<PromptSegment>();
        if (turns.Count == 0 || turns[0].Role != ChatRole.System)
            AddTurn(segments, "system", options.DefaultSystemPrompt);

        foreach (var turn in turns)
        {
            switch (turn.Role)
            {
                case ChatRole.System:
                    AddTurn(segments, "system", turn.Content);
                    break;
                case ChatRole.User:
                    AddTurn(segments, "user", turn.Content);
                    break;
                case ChatRole.Assistant:
                    // Earlier replies are reduced to their answer: judge and reasoning never return to the prompt.
                    AddTurn(segments, "assistant", HipoTranscript.AnswerOf(turn.Content));
                    break;
                case ChatRole.Tool:
                    AddTurn(segments, "user", turn.Content, "<tool_response>\n", "\n</tool_response>");
                    break;
            }
        }

        segments.Add(new PromptSegment(options.GenerationPrefix, IsTemplate: true));
        var startsInJudge = options.GenerationPrefix.TrimEnd().EndsWith(HipoTags.JudgeOpen, StringComparison.Ordinal);
        var (prefill, forced) = mode switch
        {
            ThinkModeRequest.Off => (options.ForceOffPrefill, (ThinkMode?)ThinkMode.Off),
            ThinkModeRequest.On => (options.ForceOnPrefill, ThinkMode.On),
            _ => ("", null),
        };
        if (prefill.Length > 0)
            segments.Add(new PromptSegment(prefill, IsTemplate: true));
        return new RenderedPrompt(segments, prefill, forced, startsInJudge);
    }

    private static void AddTurn(List<PromptSegment> segments, string role, string content, string open = "", string close = "")
    {
        segments.Add(new PromptSegment($"<|im_start|>{role}\n{open}", IsTemplate: true));
        segments.Add(new PromptSegment(content, IsTemplate: false));
        segments.Add(new PromptSegment($"{close}<|im_end|>\n", IsTemplate: true));
    }
}

using HiPO.Inference.Hosting;
using HiPO.ModeParsing;

namespace HiPO.Inference.Prompting;

/// <summary>
/// Renders a conversation into HiPO's (KAT-V1) ChatML prompt in our own code, since llama.cpp's template
/// engine would lose the judge opening and the history stripping.
/// </summary>
public sealed class HipoPromptRenderer(EffectiveReasoning options)
{
    /// <summary>The reasoning format the prompts are written in.</summary>
    public EffectiveReasoning Reasoning => options;

    /// <param name="tools">Function definitions, each a <c>{"type": "function", "function": {...}}</c> JSON text, offered in the system turn as Qwen's template does.</param>
    public RenderedPrompt Render(IReadOnlyList<ChatTurn> turns, ThinkModeRequest mode, IReadOnlyList<string>? tools = null)
    {
        var segments = new List<PromptSegment>();
        var hasSystem = turns.Count > 0 && turns[0].Role == ChatRole.System;
        AddSystem(segments, hasSystem ? turns[0].Content : options.DefaultSystemPrompt, tools ?? []);

        for (var i = hasSystem ? 1 : 0; i < turns.Count; i++)
        {
            var turn = turns[i];
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
                    segments.Add(new PromptSegment("<|im_start|>assistant\n", IsTemplate: true));
                    segments.Add(new PromptSegment(HipoTranscript.AnswerOf(turn.Content), IsTemplate: false));
                    foreach (var call in turn.ToolCalls)
                    {
                        segments.Add(new PromptSegment("\n<tool_call>\n", IsTemplate: true));
                        segments.Add(new PromptSegment(call, IsTemplate: false));
                        segments.Add(new PromptSegment("\n</tool_call>", IsTemplate: true));
                    }
                    segments.Add(new PromptSegment("<|im_end|>\n", IsTemplate: true));
                    break;
                case ChatRole.Tool:
                    // Consecutive tool results share one user turn, as in Qwen's template.
                    var first = i == 0 || turns[i - 1].Role != ChatRole.Tool;
                    var last = i == turns.Count - 1 || turns[i + 1].Role != ChatRole.Tool;
                    segments.Add(new PromptSegment((first ? "<|im_start|>user" : "") + "\n<tool_response>\n", IsTemplate: true));
                    segments.Add(new PromptSegment(turn.Content, IsTemplate: false));
                    segments.Add(new PromptSegment("\n</tool_response>" + (last ? "<|im_end|>\n" : ""), IsTemplate: true));
                    break;
            }
        }

        segments.Add(new PromptSegment(options.GenerationPrefix, IsTemplate: true));
        var (prefill, forced) = mode switch
        {
            ThinkModeRequest.Off => (options.ForceOffPrefill, (ThinkMode?)ThinkMode.Off),
            ThinkModeRequest.On => (options.ForceOnPrefill, ThinkMode.On),
            _ => ("", null),
        };
        if (prefill.Length > 0)
            segments.Add(new PromptSegment(prefill, IsTemplate: true));
        return new RenderedPrompt(segments, prefill, forced, options.StartsInJudge);
    }

    private static void AddTurn(List<PromptSegment> segments, string role, string content)
    {
        segments.Add(new PromptSegment($"<|im_start|>{role}\n", IsTemplate: true));
        segments.Add(new PromptSegment(content, IsTemplate: false));
        segments.Add(new PromptSegment("<|im_end|>\n", IsTemplate: true));
    }

    private static void AddSystem(List<PromptSegment> segments, string content, IReadOnlyList<string> tools)
    {
        segments.Add(new PromptSegment("<|im_start|>system\n", IsTemplate: true));
        segments.Add(new PromptSegment(content, IsTemplate: false));
        if (tools.Count > 0)
        {
            segments.Add(new PromptSegment(ToolsPreamble, IsTemplate: true));
            foreach (var tool in tools)
                segments.Add(new PromptSegment("\n" + tool, IsTemplate: false));
            segments.Add(new PromptSegment(ToolsPostscript, IsTemplate: true));
        }
        segments.Add(new PromptSegment("<|im_end|>\n", IsTemplate: true));
    }

    private const string ToolsPreamble =
        "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsPostscript =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
        "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
}

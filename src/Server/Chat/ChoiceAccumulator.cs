using System.Text;
using HiPO.Inference.Scheduling;
using HiPO.ModeParsing;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>Collects one choice's streamed updates into the whole message of a non-streamed response.</summary>
internal sealed class ChoiceAccumulator(int index)
{
    private readonly StringBuilder _judge = new();
    private readonly StringBuilder _reasoning = new();
    private readonly StringBuilder _answer = new();
    private readonly List<TokenLogprobInfo> _logprobs = [];
    private ThinkMode? _mode;
    private ChoiceFinished? _finished;

    public void Add(ReplyUpdate update)
    {
        var e = update.Event;
        switch (e.Kind)
        {
            case ModeEventKind.Judge: _judge.Append(e.Text); break;
            case ModeEventKind.Reasoning: _reasoning.Append(e.Text); break;
            case ModeEventKind.Answer: _answer.Append(e.Text); break;
            case ModeEventKind.ModeDecided: _mode = e.Mode; break;
        }
        if (update.Logprobs is { } logprobs)
            _logprobs.AddRange(logprobs.Select(ChatStreamProtocol.Logprob));
    }

    public void Finish(ChoiceFinished finished) => _finished = finished;

    /// <summary>The answer so far.</summary>
    public string Content => _answer.ToString();

    public ChatChoice ToChoice(ChatPlan plan) => new(
        index,
        new ChatResponseMessage
        {
            Content = _answer.ToString(),
            ReasoningContent = plan.IncludeReasoning && _mode == ThinkMode.On ? _reasoning.ToString() : null,
            ThinkMode = ChatStreamProtocol.Name(_mode),
            ThinkModeReason = _judge.Length > 0 && _finished?.Summary.JudgeWasAnswer != true ? _judge.ToString() : null,
            ThinkModeSource = _mode is null ? null : plan.ThinkModeSource,
            ReasoningTruncated = _finished?.Summary.ReasoningTruncated == true ? true : null,
        },
        ChatStreamProtocol.FinishReason(_finished?.Reason),
        plan.Logprobs ? new ChoiceLogprobs(_logprobs) : null);
}

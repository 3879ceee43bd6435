using System.Text;
using HiPO.Inference.Scheduling;
using HiPO.ModeParsing;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>
/// Follows one choice: turns each engine update into the deltas to stream (one kind of text per delta; tool calls
/// pulled out of the answer when tools are on) and collects the whole message for a non-streamed response.
/// </summary>
internal sealed class ChoiceAccumulator(int index, ChatPlan plan)
{
    private readonly StringBuilder _judge = new();
    private readonly StringBuilder _reasoning = new();
    private readonly StringBuilder _answer = new();
    private readonly List<TokenLogprobInfo> _logprobs = [];
    private readonly List<ToolCall> _toolCalls = [];
    private readonly ToolCallExtractor? _tools = plan.ToolsEnabled ? new ToolCallExtractor(plan.ToolCallsOnly) : null;
    private ThinkMode? _mode;
    private ChoiceFinished? _finished;

    public int Index => index;

    /// <summary>The answer so far.</summary>
    public string Content => _answer.ToString();

    /// <summary>The wire form of the last <paramref name="count"/> tokens' log-probabilities, as <see cref="Add"/> converted them.</summary>
    public List<TokenLogprobInfo> LastLogprobs(int count) => _logprobs.GetRange(_logprobs.Count - count, count);

    public IReadOnlyList<ChatDelta> Add(ReplyUpdate update)
    {
        var e = update.Event;
        if (update.Logprobs is { } logprobs)
            _logprobs.AddRange(logprobs.Select(WireValues.Logprob));
        switch (e.Kind)
        {
            case ModeEventKind.Judge:
                _judge.Append(e.Text);
                return [new ChatDelta { ThinkModeReason = e.Text }];
            case ModeEventKind.ModeDecided:
                _mode = e.Mode;
                return [new ChatDelta { ThinkMode = WireValues.Name(e.Mode), ThinkModeSource = plan.ThinkModeSource, ThinkModePolicy = plan.ThinkModePolicy }];
            case ModeEventKind.Reasoning:
                _reasoning.Append(e.Text);
                return plan.IncludeReasoning ? [new ChatDelta { ReasoningContent = e.Text }] : [];
            default:
                return Answer(pieces => _tools!.Feed(e.Text, pieces), e.Text);
        }
    }

    public IReadOnlyList<ChatDelta> Finish(ChoiceFinished finished)
    {
        _finished = finished;
        return _tools is null ? [] : Answer(_tools.Finish, null);
    }

    public string? FinishReason => _toolCalls.Count > 0 && _finished?.Reason == Inference.Scheduling.FinishReason.Stop
        ? "tool_calls"
        : WireValues.FinishReason(_finished?.Reason);

    public ChatChoice ToChoice() => new(
        index,
        new ChatResponseMessage
        {
            // As OpenAI does, a reply made only of tool calls has null content.
            Content = _toolCalls.Count > 0 && string.IsNullOrWhiteSpace(Content) ? null : Content,
            ReasoningContent = plan.IncludeReasoning && _mode == ThinkMode.On ? _reasoning.ToString() : null,
            ThinkMode = WireValues.Name(_mode),
            ThinkModeReason = _judge.Length > 0 && _finished?.Summary.JudgeWasAnswer != true ? _judge.ToString() : null,
            ThinkModeSource = _mode is null ? null : plan.ThinkModeSource,
            ThinkModePolicy = _mode is null ? null : plan.ThinkModePolicy,
            ReasoningTruncated = _finished?.Summary.ReasoningTruncated == true ? true : null,
            ToolCalls = _toolCalls.Count > 0 ? _toolCalls : null,
        },
        FinishReason,
        plan.Logprobs ? new ChoiceLogprobs(_logprobs) : null);

    /// <summary>Answer text, through the tool-call extractor when tools are on.</summary>
    private List<ChatDelta> Answer(Action<List<AnswerPiece>> extract, string? text)
    {
        if (_tools is null)
        {
            _answer.Append(text);
            return [new ChatDelta { Content = text }];
        }
        var pieces = new List<AnswerPiece>();
        extract(pieces);
        var deltas = new List<ChatDelta>();
        foreach (var piece in pieces)
        {
            if (piece.ToolCall is { } call)
            {
                var toolCall = new ToolCall(WireIds.New("call_"), new FunctionCall(call.Name, call.Arguments));
                deltas.Add(new ChatDelta { ToolCalls = [new ToolCallDelta(_toolCalls.Count, toolCall.Id, toolCall.Function)] });
                _toolCalls.Add(toolCall);
            }
            else
            {
                _answer.Append(piece.Content);
                deltas.Add(new ChatDelta { Content = piece.Content });
            }
        }
        return deltas;
    }
}

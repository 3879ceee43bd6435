using System.Text;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// Builds a response's output items from its chat deltas (the ones chat completions streams) and the semantic events that
/// announce them, numbered in order: a <c>reasoning</c> item while the model reasons, then a <c>message</c> item for the
/// answer and a <c>function_call</c> item per tool call. A whole response is built the same way, its events unsent.
/// </summary>
/// <param name="includeReasoning">Whether the reasoning becomes an output item (the request's <c>include_reasoning</c>).</param>
/// <param name="summary">Whether the request asked for a reasoning summary: HiPO's reasoning is never hidden, so it is its own summary.</param>
internal sealed class ResponseOutputBuilder(bool includeReasoning, bool summary)
{
    private sealed record OpenItem(string Type, string Id, int OutputIndex)
    {
        public StringBuilder Text { get; } = new();
    }

    private readonly List<ResponseItem> _output = [];
    private readonly List<ResponseStreamEvent> _events = [];
    private OpenItem? _open;
    private bool _reasoningOpened;
    private string _pendingWhitespace = "";
    private int _sequence;

    /// <summary>The finished items, in output order.</summary>
    public IReadOnlyList<ResponseItem> Output => _output;

    /// <summary>Numbers an event; every event of the stream goes through here, so that sequence numbers have no gaps.</summary>
    public ResponseStreamEvent Stamp(ResponseStreamEvent e) => e with { SequenceNumber = _sequence++ };

    /// <summary>Takes a chat delta; returns the events it adds.</summary>
    public IReadOnlyList<ResponseStreamEvent> Add(ChatDelta delta)
    {
        if (delta.ThinkMode == "on" || delta.ReasoningContent is not null)
            OpenReasoning();
        if (delta.ReasoningContent is { Length: > 0 } reasoning && _open is { Type: "reasoning" } open)
        {
            open.Text.Append(reasoning);
            Emit(new ResponseStreamEvent { Type = "response.reasoning_text.delta", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Delta = reasoning });
            if (summary)
                Emit(new ResponseStreamEvent { Type = "response.reasoning_summary_text.delta", ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Delta = reasoning });
        }
        if (delta.Content is { Length: > 0 } content)
            AddAnswer(content);
        foreach (var call in delta.ToolCalls ?? [])
            AddCall(call.Id, call.Function);
        return Drain();
    }

    /// <summary>Closes the item in progress; <paramref name="status"/> is <c>completed</c>, or <c>incomplete</c> when the reply was cut.</summary>
    public IReadOnlyList<ResponseStreamEvent> Finish(string status)
    {
        Close(status);
        return Drain();
    }

    private void OpenReasoning()
    {
        if (!includeReasoning || _reasoningOpened)
            return;
        _reasoningOpened = true;
        var open = _open = new OpenItem("reasoning", ResponseIds.New(ResponseIds.ReasoningPrefix), _output.Count);
        Emit(new ResponseStreamEvent { Type = "response.output_item.added", OutputIndex = open.OutputIndex, Item = Reasoning(open, "in_progress") });
        if (summary)
            Emit(new ResponseStreamEvent { Type = "response.reasoning_summary_part.added", ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Part = SummaryText("") });
        Emit(new ResponseStreamEvent { Type = "response.content_part.added", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ReasoningText("") });
    }

    private void AddAnswer(string content)
    {
        if (_open is not { Type: "message" })
        {
            // Whitespace between tool calls is no answer: hold it until text follows.
            if (string.IsNullOrWhiteSpace(content))
            {
                _pendingWhitespace += content;
                return;
            }
            Close("completed");
            var opened = _open = new OpenItem("message", ResponseIds.New(ResponseIds.MessagePrefix), _output.Count);
            Emit(new ResponseStreamEvent { Type = "response.output_item.added", OutputIndex = opened.OutputIndex, Item = Message(opened, "in_progress") });
            Emit(new ResponseStreamEvent { Type = "response.content_part.added", ItemId = opened.Id, OutputIndex = opened.OutputIndex, ContentIndex = 0, Part = ResponseContentPart.OutputText("") });
            content = _pendingWhitespace + content;
            _pendingWhitespace = "";
        }
        var open = _open;
        open.Text.Append(content);
        Emit(new ResponseStreamEvent { Type = "response.output_text.delta", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Delta = content, Logprobs = [] });
    }

    private void AddCall(string callId, FunctionCall function)
    {
        Close("completed");
        _pendingWhitespace = "";
        var id = ResponseIds.New(ResponseIds.FunctionCallPrefix);
        var index = _output.Count;
        ResponseItem Item(string status, string arguments) =>
            new() { Type = "function_call", Id = id, Status = status, CallId = callId, Name = function.Name, Arguments = arguments };
        Emit(new ResponseStreamEvent { Type = "response.output_item.added", OutputIndex = index, Item = Item("in_progress", "") });
        Emit(new ResponseStreamEvent { Type = "response.function_call_arguments.delta", ItemId = id, OutputIndex = index, Delta = function.Arguments });
        Emit(new ResponseStreamEvent { Type = "response.function_call_arguments.done", ItemId = id, OutputIndex = index, Name = function.Name, Arguments = function.Arguments });
        var done = Item("completed", function.Arguments);
        _output.Add(done);
        Emit(new ResponseStreamEvent { Type = "response.output_item.done", OutputIndex = index, Item = done });
    }

    private void Close(string status)
    {
        if (_open is not { } open)
            return;
        _open = null;
        var text = open.Text.ToString();
        ResponseItem item;
        if (open.Type == "reasoning")
        {
            Emit(new ResponseStreamEvent { Type = "response.reasoning_text.done", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Text = text });
            Emit(new ResponseStreamEvent { Type = "response.content_part.done", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ReasoningText(text) });
            if (summary)
            {
                Emit(new ResponseStreamEvent { Type = "response.reasoning_summary_text.done", ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Text = text });
                Emit(new ResponseStreamEvent { Type = "response.reasoning_summary_part.done", ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Part = SummaryText(text) });
            }
            item = Reasoning(open, status);
        }
        else
        {
            Emit(new ResponseStreamEvent { Type = "response.output_text.done", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Text = text, Logprobs = [] });
            Emit(new ResponseStreamEvent { Type = "response.content_part.done", ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ResponseContentPart.OutputText(text) });
            item = Message(open, status);
        }
        _output.Add(item);
        Emit(new ResponseStreamEvent { Type = "response.output_item.done", OutputIndex = open.OutputIndex, Item = item });
    }

    private ResponseItem Reasoning(OpenItem open, string status)
    {
        var text = open.Text.ToString();
        var finished = status != "in_progress";
        return new ResponseItem
        {
            Type = "reasoning",
            Id = open.Id,
            Status = status,
            Summary = summary && finished ? [SummaryText(text)] : [],
            Content = finished ? [ReasoningText(text)] : [],
        };
    }

    private static ResponseItem Message(OpenItem open, string status) => new()
    {
        Type = "message",
        Id = open.Id,
        Status = status,
        Role = "assistant",
        Content = status == "in_progress" ? [] : [ResponseContentPart.OutputText(open.Text.ToString())],
    };

    private static ResponseContentPart ReasoningText(string text) => new() { Type = "reasoning_text", Text = text };

    private static ResponseContentPart SummaryText(string text) => new() { Type = "summary_text", Text = text };

    private void Emit(ResponseStreamEvent e) => _events.Add(Stamp(e));

    private List<ResponseStreamEvent> Drain()
    {
        var events = _events.ToList();
        _events.Clear();
        return events;
    }
}

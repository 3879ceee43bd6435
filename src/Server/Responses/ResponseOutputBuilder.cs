using System.Text;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// Builds a response's output items from its chat deltas (the ones chat completions streams) and the semantic events that
/// announce them, numbered in order: a <c>reasoning</c> item while the model reasons, then a <c>message</c> item for the
/// answer and a <c>function_call</c> item per tool call. A whole response builds the same items and no events.
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
    private List<ResponseStreamEvent>? _events;
    private OpenItem? _open;
    private bool _reasoningOpened;
    private string _pendingWhitespace = "";
    private int _sequence;

    /// <summary>The finished items, in output order.</summary>
    public IReadOnlyList<ResponseItem> Output => _output;

    /// <summary>The next event's sequence number; every event of the stream takes one here, so that the numbers have no gaps.</summary>
    public int NextSequenceNumber() => _sequence++;

    /// <summary>Takes a chat delta; when streaming, adds the events it makes to <paramref name="events"/>.</summary>
    /// <param name="events">The stream's events, or null for a whole response (no event to build).</param>
    public void Add(ChatDelta delta, List<ResponseStreamEvent>? events)
    {
        _events = events;
        if (delta.ThinkMode == "on" || delta.ReasoningContent is not null)
            OpenReasoning();
        if (delta.ReasoningContent is { Length: > 0 } reasoning && _open is { Type: "reasoning" } open)
        {
            open.Text.Append(reasoning);
            if (events is not null)
            {
                events.Add(new ResponseStreamEvent { Type = "response.reasoning_text.delta", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Delta = reasoning });
                if (summary)
                    events.Add(new ResponseStreamEvent { Type = "response.reasoning_summary_text.delta", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Delta = reasoning });
            }
        }
        if (delta.Content is { Length: > 0 } content)
            AddAnswer(content);
        foreach (var call in delta.ToolCalls ?? [])
            AddCall(call.Id, call.Function);
        _events = null;
    }

    /// <summary>Closes the item in progress; <paramref name="status"/> is <c>completed</c>, or <c>incomplete</c> when the reply was cut.</summary>
    /// <param name="events">The stream's events, or null for a whole response (no event to build).</param>
    public void Finish(string status, List<ResponseStreamEvent>? events)
    {
        _events = events;
        Close(status);
        _events = null;
    }

    private void OpenReasoning()
    {
        if (!includeReasoning || _reasoningOpened)
            return;
        _reasoningOpened = true;
        var open = _open = new OpenItem("reasoning", ResponseIds.New(ResponseIds.ReasoningPrefix), _output.Count);
        if (_events is not { } events)
            return;
        events.Add(new ResponseStreamEvent { Type = "response.output_item.added", SequenceNumber = _sequence++, OutputIndex = open.OutputIndex, Item = Reasoning(open.Id, "in_progress", "") });
        if (summary)
            events.Add(new ResponseStreamEvent { Type = "response.reasoning_summary_part.added", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Part = SummaryText("") });
        events.Add(new ResponseStreamEvent { Type = "response.content_part.added", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ReasoningText("") });
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
            if (_events is { } events)
            {
                events.Add(new ResponseStreamEvent { Type = "response.output_item.added", SequenceNumber = _sequence++, OutputIndex = opened.OutputIndex, Item = Message(opened.Id, "in_progress", "") });
                events.Add(new ResponseStreamEvent { Type = "response.content_part.added", SequenceNumber = _sequence++, ItemId = opened.Id, OutputIndex = opened.OutputIndex, ContentIndex = 0, Part = ResponseContentPart.OutputText("") });
            }
            content = _pendingWhitespace + content;
            _pendingWhitespace = "";
        }
        var open = _open;
        open.Text.Append(content);
        _events?.Add(new ResponseStreamEvent { Type = "response.output_text.delta", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Delta = content, Logprobs = [] });
    }

    private void AddCall(string callId, FunctionCall function)
    {
        Close("completed");
        _pendingWhitespace = "";
        var id = ResponseIds.New(ResponseIds.FunctionCallPrefix);
        var index = _output.Count;
        ResponseItem Item(string status, string arguments) =>
            new() { Type = "function_call", Id = id, Status = status, CallId = callId, Name = function.Name, Arguments = arguments };
        var done = Item("completed", function.Arguments);
        _output.Add(done);
        if (_events is not { } events)
            return;
        events.Add(new ResponseStreamEvent { Type = "response.output_item.added", SequenceNumber = _sequence++, OutputIndex = index, Item = Item("in_progress", "") });
        events.Add(new ResponseStreamEvent { Type = "response.function_call_arguments.delta", SequenceNumber = _sequence++, ItemId = id, OutputIndex = index, Delta = function.Arguments });
        events.Add(new ResponseStreamEvent { Type = "response.function_call_arguments.done", SequenceNumber = _sequence++, ItemId = id, OutputIndex = index, Name = function.Name, Arguments = function.Arguments });
        events.Add(new ResponseStreamEvent { Type = "response.output_item.done", SequenceNumber = _sequence++, OutputIndex = index, Item = done });
    }

    private void Close(string status)
    {
        if (_open is not { } open)
            return;
        _open = null;
        var text = open.Text.ToString();
        var item = open.Type == "reasoning" ? Reasoning(open.Id, status, text) : Message(open.Id, status, text);
        _output.Add(item);
        if (_events is not { } events)
            return;
        if (open.Type == "reasoning")
        {
            events.Add(new ResponseStreamEvent { Type = "response.reasoning_text.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Text = text });
            events.Add(new ResponseStreamEvent { Type = "response.content_part.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ReasoningText(text) });
            if (summary)
            {
                events.Add(new ResponseStreamEvent { Type = "response.reasoning_summary_text.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Text = text });
                events.Add(new ResponseStreamEvent { Type = "response.reasoning_summary_part.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, SummaryIndex = 0, Part = SummaryText(text) });
            }
        }
        else
        {
            events.Add(new ResponseStreamEvent { Type = "response.output_text.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Text = text, Logprobs = [] });
            events.Add(new ResponseStreamEvent { Type = "response.content_part.done", SequenceNumber = _sequence++, ItemId = open.Id, OutputIndex = open.OutputIndex, ContentIndex = 0, Part = ResponseContentPart.OutputText(text) });
        }
        events.Add(new ResponseStreamEvent { Type = "response.output_item.done", SequenceNumber = _sequence++, OutputIndex = open.OutputIndex, Item = item });
    }

    private ResponseItem Reasoning(string id, string status, string text)
    {
        var finished = status != "in_progress";
        return new ResponseItem
        {
            Type = "reasoning",
            Id = id,
            Status = status,
            Summary = summary && finished ? [SummaryText(text)] : [],
            Content = finished ? [ReasoningText(text)] : [],
        };
    }

    private static ResponseItem Message(string id, string status, string text) => new()
    {
        Type = "message",
        Id = id,
        Status = status,
        Role = "assistant",
        Content = status == "in_progress" ? [] : [ResponseContentPart.OutputText(text)],
    };

    private static ResponseContentPart ReasoningText(string text) => new() { Type = "reasoning_text", Text = text };

    private static ResponseContentPart SummaryText(string text) => new() { Type = "summary_text", Text = text };
}

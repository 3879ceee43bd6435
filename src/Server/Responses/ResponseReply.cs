using System.Net.ServerSentEvents;
using HiPO.Inference.Scheduling;
using HiPO.Server.Chat;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// Follows one response: the engine's updates go through the chat <see cref="ChoiceAccumulator"/> (think-mode parsing and
/// tool-call extraction as in chat completions), its deltas through the <see cref="ResponseOutputBuilder"/>, and the end
/// becomes the response object (<c>completed</c>, <c>incomplete</c> for length, <c>failed</c> for an engine error), kept in the
/// store when the request asks so.
/// </summary>
internal sealed class ResponseReply(ResponsePlan plan, ReplyContext context, WireFormat wire, ResponseStore store, string? owner) : GenerationReply(context)
{
    private readonly string _id = ResponseIds.New(ResponseIds.ResponsePrefix);
    private readonly ChoiceAccumulator _choice = new(0, plan.Chat);
    private readonly ResponseOutputBuilder _output = new(plan.Chat.IncludeReasoning, plan.Summary is not null);
    private readonly List<ResponseStreamEvent> _streamed = [];

    public override IEnumerable<SseItem<SseData>> Opening()
    {
        var started = Snapshot("in_progress");
        return [Event(Stamp("response.created", started)), Event(Stamp("response.in_progress", started))];
    }

    /// <remarks>The output builder runs for a whole response too: its items are the response's output.</remarks>
    protected override void Follow(GenerationUpdate update, List<SseItem<SseData>>? events)
    {
        var streamed = events is null ? null : _streamed;
        foreach (var delta in Deltas(update))
            _output.Add(delta, streamed);
        Write(streamed, events);
    }

    public override IEnumerable<SseItem<SseData>> Closing()
    {
        var closing = new List<SseItem<SseData>>();
        var result = Complete(_streamed);
        Write(_streamed, closing);
        closing.Add(Event(Stamp(result.Status switch
        {
            "completed" => "response.completed",
            "incomplete" => "response.incomplete",
            _ => "response.failed",
        }, result)));
        return closing;
    }

    public override IResult Result(HttpContext http)
    {
        var result = Complete(null);
        return result.Error is { } error
            ? Unavailable(error.Message, http)
            : TypedResults.Json(result, wire.Response);
    }

    protected override void Completed(GenerationUsage usage) =>
        Context.Telemetry.Completed(_id, Context.Model, plan.Chat.DecisionSource, usage, Finished, () => plan.Chat.Generation.Prompt.Text, () => _choice.Content,
            plan.Chat.AdaptiveAction);

    /// <summary>Follows an update through the choice; returns the deltas it releases.</summary>
    private IReadOnlyList<ChatDelta> Deltas(GenerationUpdate update) => update switch
    {
        ReplyUpdate reply => _choice.Add(reply),
        ChoiceFinished finished => _choice.Finish(finished),
        _ => [],
    };

    /// <summary>The finished response (stored when the request asks so); when streaming, adds the events that close the items still open.</summary>
    private ResponseObject Complete(List<ResponseStreamEvent>? closing)
    {
        var error = EngineError;
        var truncated = Finished.LastOrDefault()?.Reason == FinishReason.Length;
        var status = error is not null ? "failed" : truncated ? "incomplete" : "completed";
        _output.Finish(status == "completed" ? "completed" : "incomplete", closing);
        var message = _choice.ToChoice().Message;
        var result = Snapshot(status) with
        {
            Output = [.. _output.Output],
            Error = error is null ? null : new ResponseError("server_error", error),
            IncompleteDetails = truncated && error is null ? new IncompleteDetails("max_output_tokens") : null,
            Usage = CompletedUsage is { } usage ? Usage(usage) : null,
            ThinkMode = message.ThinkMode,
            ThinkModeReason = message.ThinkModeReason,
            ThinkModeSource = message.ThinkModeSource,
            ThinkModePolicy = message.ThinkModePolicy,
            ReasoningTruncated = message.ReasoningTruncated,
        };
        if (plan.Store)
            store.Add(result, [.. plan.Conversation, Reply()], owner);
        return result;
    }

    /// <summary>The response object without output, as <c>response.created</c> and <c>response.in_progress</c> carry it.</summary>
    private ResponseObject Snapshot(string status)
    {
        var request = plan.Request;
        return new ResponseObject
        {
            Id = _id,
            CreatedAt = Context.Created,
            Status = status,
            Instructions = request.Instructions,
            MaxOutputTokens = request.MaxOutputTokens,
            Model = Context.Model,
            Output = [],
            ParallelToolCalls = request.ParallelToolCalls != false,
            PreviousResponseId = request.PreviousResponseId,
            Reasoning = new ReasoningConfiguration(plan.Effort, plan.Summary),
            Store = plan.Store,
            Temperature = request.Temperature,
            Text = plan.Text,
            ToolChoice = plan.ToolChoice,
            Tools = plan.Tools,
            TopP = request.TopP,
            User = request.User,
            Metadata = request.Metadata ?? new Dictionary<string, string>(),
        };
    }

    private ResponseStreamEvent Stamp(string type, ResponseObject response) =>
        new() { Type = type, SequenceNumber = _output.NextSequenceNumber(), Response = response };

    /// <summary>Moves the builder's events to the stream's.</summary>
    private void Write(List<ResponseStreamEvent>? streamed, List<SseItem<SseData>>? events)
    {
        if (streamed is null || events is null)
            return;
        foreach (var e in streamed)
            events.Add(Event(e));
        streamed.Clear();
    }

    /// <summary>The reply as the assistant turn a continuation renders: its answer and its function calls (reasoning never returns to the prompt).</summary>
    private ChatMessageInput Reply()
    {
        var calls = _output.Output.Where(i => i.Type == "function_call").Select(i => (i.CallId!, i.Name!, i.Arguments!)).ToList();
        return new ChatMessageInput
        {
            Role = "assistant",
            Content = JsonElements.String(_choice.Content),
            ToolCalls = calls.Count > 0 ? JsonElements.ToolCalls(calls) : null,
        };
    }

    private SseItem<SseData> Event(ResponseStreamEvent e) => SseData.Event(e, wire.ResponseEvent, e.Type);

    private static ResponseUsage Usage(GenerationUsage usage) => new(
        usage.PromptTokens,
        new InputTokensDetails(usage.CachedTokens),
        usage.CompletionTokens,
        new OutputTokensDetails(usage.ReasoningTokens),
        usage.PromptTokens + usage.CompletionTokens);
}

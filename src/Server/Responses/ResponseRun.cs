using HiPO.Inference.Scheduling;
using HiPO.Server.Chat;
using HiPO.Server.OpenAI;
using HiPO.Server.Telemetry;

namespace HiPO.Server.Responses;

/// <summary>
/// Follows one response: the engine's updates go through the chat <see cref="ChoiceAccumulator"/> (think-mode parsing and
/// tool-call extraction as in chat completions), its deltas through the <see cref="ResponseOutputBuilder"/>, and the end
/// becomes the response object (<c>completed</c>, <c>incomplete</c> for length, <c>failed</c> for an engine error).
/// </summary>
internal sealed class ResponseRun(ResponsePlan plan, string id, long createdAt, string model, CompletionTelemetry telemetry, Action<int> charge)
{
    private readonly ChoiceAccumulator _choice = new(0, plan.Chat);
    private readonly ResponseOutputBuilder _output = new(plan.Chat.IncludeReasoning, plan.Summary is not null);
    private ChoiceFinished? _finished;
    private GenerationUsage? _usage;

    /// <summary>The finished response, once <see cref="Complete"/> ran.</summary>
    public ResponseObject? Result { get; private set; }

    /// <summary>The events that close the items still open at the end.</summary>
    public IReadOnlyList<ResponseStreamEvent> Closing { get; private set; } = [];

    public IReadOnlyList<ResponseStreamEvent> Track(GenerationUpdate update)
    {
        IReadOnlyList<ChatDelta> deltas;
        switch (update)
        {
            case ReplyUpdate reply:
                if (reply.Event.Text.Length > 0)
                    telemetry.OnText();
                deltas = _choice.Add(reply);
                break;
            case ChoiceFinished finished:
                _finished = finished;
                deltas = _choice.Finish(finished);
                break;
            case GenerationCompleted completed:
                _usage = completed.Usage;
                charge(completed.Usage.PromptTokens + completed.Usage.CompletionTokens);
                telemetry.Completed(id, model, plan.Chat.ThinkModeSource, completed.Usage, _finished is null ? [] : [_finished],
                    plan.Chat.Generation.Prompt.Text, _choice.Content, plan.Chat.AdaptiveAction);
                return [];
            default:
                return [];
        }
        return [.. deltas.SelectMany(_output.Add)];
    }

    public ResponseObject Complete()
    {
        var error = _finished?.Error ?? (_usage is null ? "The request was not completed." : null);
        var truncated = _finished?.Reason == FinishReason.Length;
        var status = error is not null ? "failed" : truncated ? "incomplete" : "completed";
        Closing = _output.Finish(status == "completed" ? "completed" : "incomplete");
        var message = _choice.ToChoice().Message;
        Result = Snapshot(status) with
        {
            Output = [.. _output.Output],
            Error = error is null ? null : new ResponseError("server_error", error),
            IncompleteDetails = truncated && error is null ? new IncompleteDetails("max_output_tokens") : null,
            Usage = _usage is { } usage ? Usage(usage) : null,
            ThinkMode = message.ThinkMode,
            ThinkModeReason = message.ThinkModeReason,
            ThinkModeSource = message.ThinkModeSource,
            ThinkModePolicy = message.ThinkModePolicy,
            ReasoningTruncated = message.ReasoningTruncated,
        };
        return Result;
    }

    /// <summary>The response object without output, as <c>response.created</c> and <c>response.in_progress</c> carry it.</summary>
    public ResponseObject Snapshot(string status)
    {
        var request = plan.Request;
        return new ResponseObject
        {
            Id = id,
            CreatedAt = createdAt,
            Status = status,
            Instructions = request.Instructions,
            MaxOutputTokens = request.MaxOutputTokens,
            Model = model,
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

    public ResponseStreamEvent Stamp(string type, ResponseObject response) => _output.Stamp(new ResponseStreamEvent { Type = type, Response = response });

    /// <summary>The reply as the assistant turn a continuation renders: its answer and its function calls (reasoning never returns to the prompt).</summary>
    public ChatMessageInput Reply()
    {
        var calls = _output.Output.Where(i => i.Type == "function_call").Select(i => (i.CallId!, i.Name!, i.Arguments!)).ToList();
        return new ChatMessageInput
        {
            Role = "assistant",
            Content = JsonElements.String(_choice.Content),
            ToolCalls = calls.Count > 0 ? JsonElements.ToolCalls(calls) : null,
        };
    }

    private static ResponseUsage Usage(GenerationUsage usage) => new(
        usage.PromptTokens,
        new InputTokensDetails(usage.CachedTokens),
        usage.CompletionTokens,
        new OutputTokensDetails(usage.ReasoningTokens),
        usage.PromptTokens + usage.CompletionTokens);
}

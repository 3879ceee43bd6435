using System.Net.ServerSentEvents;
using HiPO.Inference.Scheduling;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>A chat completion's reply: each choice's deltas (answer, reasoning, think mode, tool calls) as chunks, or the whole completion.</summary>
internal sealed class ChatReply(ChatPlan plan, ReplyContext context, WireFormat wire) : ChunkedReply<ChatCompletionChunk, ChunkChoice>(context, wire.Chunk, plan.IncludeUsage)
{
    private readonly string _id = WireIds.New("chatcmpl-");
    private readonly ChoiceAccumulator[] _choices = [.. Enumerable.Range(0, plan.Generation.Choices).Select(i => new ChoiceAccumulator(i, plan))];

    public override IEnumerable<SseItem<SseData>> Opening() =>
        Enumerable.Range(0, plan.Generation.Choices).Select(i => Event(Chunk(i, new ChatDelta { Role = "assistant" }, null)));

    protected override void Add(ReplyUpdate reply, List<SseItem<SseData>>? events)
    {
        var deltas = _choices[reply.Choice].Add(reply);
        if (events is null || deltas.Count == 0)
            return;
        // The update's log-probabilities ride on its first chunk.
        var logprobs = plan.Logprobs && reply.Logprobs is { } l ? new ChoiceLogprobs(_choices[reply.Choice].LastLogprobs(l.Count)) : null;
        foreach (var delta in deltas)
        {
            events.Add(Event(Chunk([new ChunkChoice(reply.Choice, delta, null, logprobs)])));
            logprobs = null;
        }
    }

    protected override void Finish(ChoiceFinished finished, List<SseItem<SseData>>? events)
    {
        var deltas = _choices[finished.Choice].Finish(finished);
        if (events is null)
            return;
        foreach (var delta in deltas)
            events.Add(Event(Chunk(finished.Choice, delta, null)));
    }

    protected override ChatCompletionChunk End(ChoiceFinished finished) =>
        Chunk(finished.Choice, new ChatDelta { ReasoningTruncated = finished.Summary.ReasoningTruncated ? true : null }, _choices[finished.Choice].FinishReason);

    protected override void Completed(GenerationUsage usage) =>
        Context.Telemetry.Completed(_id, Context.Model, plan.DecisionSource, usage, [.. Finished.OrderBy(f => f.Choice)],
            () => plan.Generation.Prompt.Text, () => _choices[0].Content, plan.AdaptiveAction);

    protected override IResult Whole(GenerationUsage usage) => TypedResults.Json(
        new ChatCompletion(_id, Context.Created, Context.Model, [.. _choices.Select(c => c.ToChoice())], WireValues.Usage(usage), TimingsOf(usage)),
        wire.Completion);

    private ChatCompletionChunk Chunk(int choice, ChatDelta delta, string? finishReason) => Chunk([new ChunkChoice(choice, delta, finishReason)]);

    protected override ChatCompletionChunk Chunk(IReadOnlyList<ChunkChoice> choices) => new(_id, Context.Created, Context.Model, choices);
}

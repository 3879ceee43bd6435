using System.Net.ServerSentEvents;
using HiPO.Inference.Scheduling;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Completions;

/// <summary>A legacy completion's reply: each choice's text (after the echoed prompt) and log-probabilities as chunks, or the whole completion.</summary>
internal sealed class CompletionReply(CompletionPlan plan, ReplyContext context)
    : ChunkedReply<TextCompletion, TextChoice>(context, OpenAiJsonContext.Default.TextCompletion, plan.IncludeUsage)
{
    private readonly string _id = WireIds.New("cmpl-");
    private readonly TextChoiceAccumulator[] _choices = [.. Enumerable.Range(0, plan.Generation.Choices).Select(i => new TextChoiceAccumulator(i, plan.Echo))];

    public override IEnumerable<SseItem<SseData>> Opening() => plan.Echo is { } echo
        ? Enumerable.Range(0, plan.Generation.Choices).Select(i => Event(Chunk([new TextChoice(i, echo, null, null)])))
        : [];

    /// <remarks>A raw completion is all answer: the reply parser never runs, so no other kind of text arrives.</remarks>
    protected override void Add(ReplyUpdate reply, List<SseItem<SseData>>? events)
    {
        var choice = _choices[reply.Choice];
        var start = choice.Add(reply.Event.Text, reply.Logprobs);
        if (events is not null && reply.Event.Text.Length > 0)
            events.Add(Event(Chunk([new TextChoice(reply.Choice, reply.Event.Text, plan.Logprobs ? choice.LogprobsFrom(start) : null, null)])));
    }

    protected override void Finish(ChoiceFinished finished, List<SseItem<SseData>>? events) => _choices[finished.Choice].Finish(finished);

    /// <summary>A failed choice ends with its error event alone.</summary>
    protected override TextCompletion? End(ChoiceFinished finished) =>
        finished.Error is null ? Chunk([new TextChoice(finished.Choice, "", null, WireValues.FinishReason(finished.Reason))]) : null;

    // No think-mode decision is recorded: a raw completion has none.
    protected override void Completed(GenerationUsage usage) =>
        Context.Telemetry.Completed(_id, Context.Model, "raw", usage, [], () => plan.Generation.Prompt.Text, () => _choices[0].Text);

    protected override IResult Whole(GenerationUsage usage) => TypedResults.Json(
        Chunk([.. _choices.Select(c => c.ToChoice(plan.Logprobs))]) with { Usage = WireValues.Usage(usage), Timings = TimingsOf(usage) },
        OpenAiJsonContext.Default.TextCompletion);

    protected override TextCompletion Chunk(IReadOnlyList<TextChoice> choices) => new(_id, Context.Created, Context.Model, choices);
}

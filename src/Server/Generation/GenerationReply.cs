using System.Net.ServerSentEvents;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>
/// One request's reply as its endpoint shapes it: follows the engine's updates and gives them back as server-sent events
/// (streamed) or as one response (not streamed). The <see cref="GenerationPipeline"/> decides which and does the rest.
/// This class keeps what every endpoint keeps of the updates: the text's arrival for the telemetry, the finished choices,
/// the usage and the request's record once it completes.
/// </summary>
public abstract class GenerationReply(ReplyContext context)
{
    private readonly List<ChoiceFinished> _finished = [];

    protected ReplyContext Context => context;

    /// <summary>The finished choices, in the order they finished.</summary>
    protected IReadOnlyList<ChoiceFinished> Finished => _finished;

    /// <summary>The generation's usage, once it completed.</summary>
    protected GenerationUsage? CompletedUsage { get; private set; }

    /// <summary>Why the engine gave no whole reply (a choice's error, or an end without completion); null when it completed.</summary>
    protected string? EngineError =>
        _finished.FirstOrDefault(f => f.Error is not null)?.Error ?? (CompletedUsage is null ? "The request was not completed." : null);

    /// <summary>The events a stream starts with, before the first update.</summary>
    public abstract IEnumerable<SseItem<SseData>> Opening();

    /// <summary>Follows one update (always, streamed or not) and, when streaming, adds the events it makes to <paramref name="events"/>.</summary>
    /// <param name="events">The stream's events to write; null for a whole response, which then makes none (no event is built per token).</param>
    public void Track(GenerationUpdate update, List<SseItem<SseData>>? events)
    {
        switch (update)
        {
            case ReplyUpdate reply when reply.Event.Text.Length > 0:
                context.Telemetry.OnText();
                break;
            case ChoiceFinished finished:
                _finished.Add(finished);
                break;
            case GenerationCompleted completed:
                CompletedUsage = completed.Usage;
                Completed(completed.Usage);
                break;
        }
        Follow(update, events);
    }

    /// <summary>The endpoint's part of <see cref="Track"/>, after the bookkeeping above.</summary>
    /// <param name="events">The stream's events to write; null for a whole response (no event to build).</param>
    protected abstract void Follow(GenerationUpdate update, List<SseItem<SseData>>? events);

    /// <summary>Records the request's metrics and log line.</summary>
    protected abstract void Completed(GenerationUsage usage);

    /// <summary>The events a stream ends with, after the last update.</summary>
    public abstract IEnumerable<SseItem<SseData>> Closing();

    /// <summary>The whole response, after the last update: the endpoint's object, or a 503 when the engine failed.</summary>
    public abstract IResult Result(HttpContext context);

    /// <summary>The 503 a whole response gets when the engine failed (<see cref="EngineError"/>).</summary>
    protected static IResult Unavailable(string error, HttpContext http) =>
        ApiException.Unavailable(error, "engine_error", TimeSpan.FromSeconds(1)).ToResult(http);
}

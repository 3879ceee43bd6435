using System.Net.ServerSentEvents;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.Generation;

/// <summary>
/// One request's reply as its endpoint shapes it: follows the engine's updates and gives them back as server-sent events
/// (streamed) or as one response (not streamed). The <see cref="GenerationPipeline"/> decides which and does the rest.
/// </summary>
public abstract class GenerationReply
{
    /// <summary>The events a stream starts with, before the first update.</summary>
    public abstract IEnumerable<SseItem<SseData>> Opening();

    /// <summary>Follows one update (always, streamed or not) and, when streaming, adds the events it makes to <paramref name="events"/>.</summary>
    /// <param name="events">The stream's events to write; null for a whole response, which then makes none (no event is built per token).</param>
    public abstract void Track(GenerationUpdate update, List<SseItem<SseData>>? events);

    /// <summary>The events a stream ends with, after the last update.</summary>
    public abstract IEnumerable<SseItem<SseData>> Closing();

    /// <summary>The whole response, after the last update: the endpoint's object, or a 503 when the engine failed.</summary>
    public abstract IResult Result(HttpContext context);
}

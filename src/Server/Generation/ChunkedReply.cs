using System.Net.ServerSentEvents;
using System.Text.Json.Serialization.Metadata;
using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>
/// A completion reply in OpenAI's chunk form (chat and legacy completions): the endpoint turns text into chunks, and this class
/// writes what both share: engine errors as error events, each choice's finish, the timings on the last finish, the usage
/// chunk, <c>data: [DONE]</c>, and for a whole response the 503 when the engine failed.
/// </summary>
public abstract class ChunkedReply<TChunk, TChoice>(ReplyContext context, JsonTypeInfo<TChunk> chunkType, bool includeUsage) : GenerationReply(context)
    where TChunk : CompletionEnvelope<TChoice>
{
    private TChunk? _last;

    /// <summary>Follows a piece of text; when streaming, adds the events of the chunks it releases.</summary>
    /// <param name="events">The stream's events, or null for a whole response (no chunk to build).</param>
    protected abstract void Add(ReplyUpdate reply, List<SseItem<SseData>>? events);

    /// <summary>Follows a choice's end; when streaming, adds the events of the text held back until then.</summary>
    /// <param name="events">The stream's events, or null for a whole response (no chunk to build).</param>
    protected abstract void Finish(ChoiceFinished finished, List<SseItem<SseData>>? events);

    /// <summary>The chunk that carries the choice's finish reason, or null for none (streams only).</summary>
    protected abstract TChunk? End(ChoiceFinished finished);

    /// <summary>A chunk of this reply (its id, creation time and model) around these choices.</summary>
    protected abstract TChunk Chunk(IReadOnlyList<TChoice> choices);

    /// <summary>The whole response object.</summary>
    protected abstract IResult Whole(GenerationUsage usage);

    protected Timings? TimingsOf(GenerationUsage usage) => Context.Timings ? WireValues.Timings(usage) : null;

    public override IEnumerable<SseItem<SseData>> Closing() => [SseData.Done];

    protected override void Follow(GenerationUpdate update, List<SseItem<SseData>>? events)
    {
        switch (update)
        {
            case ReplyUpdate reply:
                Add(reply, events);
                break;
            case ChoiceFinished finished:
                Finish(finished, events);
                if (events is null)
                    break;
                if (finished.Error is { } error)
                    events.Add(SseData.Event(new ErrorResponse(new ErrorBody(error, "server_error", null, "engine_error")), OpenAiJsonContext.Default.ErrorResponse));
                if (End(finished) is { } end)
                {
                    // The last finish waits for the usage, so that it can carry the timings as llama-server's does.
                    if (_last is not null)
                        events.Add(Event(_last));
                    _last = end;
                }
                break;
            case GenerationCompleted { Usage: var usage }:
                if (events is null)
                    break;
                if (_last is not null)
                    events.Add(Event((TChunk)(_last with { Timings = TimingsOf(usage) })));
                _last = null;
                if (includeUsage)
                    // The usage comes in a chunk of its own, with no choices (stream_options.include_usage).
                    events.Add(Event((TChunk)(Chunk([]) with { Usage = WireValues.Usage(usage) })));
                break;
        }
    }

    // Without an engine error the generation completed, with its usage.
    public override IResult Result(HttpContext http) => EngineError is { } error ? Unavailable(error, http) : Whole(CompletedUsage!);

    protected SseItem<SseData> Event(TChunk chunk) => SseData.Event(chunk, chunkType);
}

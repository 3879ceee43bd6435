namespace HiPO.ModeParsing;

/// <summary>
/// One model family's reply format, parsed incrementally as tokens stream in (like vLLM's
/// reasoning parsers). A second format could implement it.
/// </summary>
public interface IReasoningParser
{
    /// <summary>Where the next plain text would go.</summary>
    ReplySection Section { get; }

    /// <summary>Inside the answer block proper (opened by its tag), where structured output applies.</summary>
    bool InAnswerBlock { get; }

    /// <summary>The think mode, or null until the reply has decided it.</summary>
    ThinkMode? Mode { get; }

    /// <summary>Parses the next streamed chunk, appending the events it completes.</summary>
    void Feed(string chunk, List<ModeEvent> events);

    /// <summary>
    /// Ends the stream and appends what was held back. <paramref name="endedNaturally"/> is false when
    /// the reply was cut off (length limit, cancellation) rather than finished by the model.
    /// </summary>
    void Finish(bool endedNaturally, List<ModeEvent> events);
}

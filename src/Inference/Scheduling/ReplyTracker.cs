using HiPO.Inference.Prompting;
using HiPO.ModeParsing;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// Follows one choice's reply text as it is decoded: splits it into judge, decision, reasoning and answer,
/// counts reasoning tokens, and applies stop strings to the answer only (text in the judge or the reasoning never stops a reply).
/// Where the reply is (judge, reasoning, answer block, done) is the parser's state: the format is read in one place.
/// </summary>
/// <remarks>
/// A constrained answer (a grammar is active there) is opaque: its text is answer content up to the end of generation,
/// never searched for tags or stop strings, so a JSON string spelling <c>&lt;/answer&gt;</c> cannot cut the JSON short.
/// It ends only when the sampler ends generation, which a grammar allows only once it is satisfied.
/// </remarks>
internal sealed class ReplyTracker
{
    private readonly IReasoningParser? _parser;
    private readonly StopStringMatcher _stops;
    private readonly ThinkMode? _forcedMode;
    private readonly bool _constrainedAnswer;
    private bool _answerStarted;

    // The parser's events for one token before stop strings apply; reused, as this runs for every token.
    private readonly List<ModeEvent> _parsed = [];

    /// <param name="constrainedAnswer">A grammar constrains the answer block (see the remarks).</param>
    public ReplyTracker(RenderedPrompt prompt, IReadOnlyList<string> stops, bool raw, bool constrainedAnswer = false)
    {
        _stops = new StopStringMatcher(stops);
        _constrainedAnswer = constrainedAnswer;
        if (raw)
            return;
        _parser = new HipoReplyParser(prompt.StartsInJudge);
        _forcedMode = prompt.ForcedMode;
        // A forced mode's prefill is part of the assistant turn: the parser reads it so it starts where the model does.
        _parser.Feed(prompt.ReplyPrefill, []);
    }

    public ThinkMode? Mode => _parser?.Mode;

    public bool InReasoning => _parser?.Section == ReplySection.Reasoning;

    /// <summary>Inside an <c>&lt;answer&gt;</c> block (or a raw completion): where structured output is constrained.</summary>
    public bool InAnswerBlock => _parser?.InAnswerBlock ?? true;

    /// <summary>The reply is complete: a stop string matched or the answer was closed.</summary>
    public bool IsComplete => _stops.Stopped || _parser?.Section == ReplySection.Done;

    /// <summary>
    /// Whether the reply may end here. With a constrained answer it may not before the answer block: an end of
    /// generation there would leave an answer that is not what the grammar demands. In the block the grammar decides.
    /// </summary>
    public bool MayEnd => !_constrainedAnswer || InAnswerBlock;

    /// <summary>Tokens generated before the first answer text: the judge, the decision tags and the reasoning.</summary>
    public int ReasoningTokens { get; private set; }

    /// <summary>Tokens generated inside <c>&lt;think&gt;</c>, the part a reasoning budget limits.</summary>
    public int ThinkTokens { get; private set; }

    public void Start(List<ModeEvent> output)
    {
        if (_forcedMode is { } mode)
            output.Add(new ModeEvent(ModeEventKind.ModeDecided, "", mode));
    }

    public void OnToken(string text, List<ModeEvent> output)
    {
        if (_constrainedAnswer && InAnswerBlock)
        {
            ConstrainedAnswer(text, output);
            return;
        }
        if (_parser is null)
        {
            Emit(_stops.Feed(text), output);
            return;
        }
        if (_parser.Section == ReplySection.Reasoning)
            ThinkTokens++;
        var before = output.Count;
        _parser.Feed(text, _parsed);
        Route(output);
        for (var i = before; i < output.Count && !_answerStarted; i++)
            _answerStarted = output[i].Kind == ModeEventKind.Answer;
        // Every token until the first answer text counts as reasoning: the judge, the decision tags and the thinking.
        if (!_answerStarted)
            ReasoningTokens++;
    }

    /// <summary>Grammar-constrained text is all answer; the newline the grammar allows after the tag is layout.</summary>
    private void ConstrainedAnswer(string text, List<ModeEvent> output)
    {
        if (!_answerStarted && _parser is not null && text.StartsWith('\n'))
            text = text[1..];
        _answerStarted |= text.Length > 0;
        Emit(text, output);
    }

    /// <summary>Text the server wrote into the reply (closing the reasoning when its budget runs out).</summary>
    public void Inject(string text, List<ModeEvent> output)
    {
        _parser?.Feed(text, _parsed);
        Route(output);
    }

    /// <summary>
    /// The model never used the HiPO format: what streamed as judge text was re-sent as the answer when the
    /// reply ended, so a whole response reports it as the answer only.
    /// </summary>
    public bool JudgeWasAnswer { get; private set; }

    public void Finish(bool endedNaturally, List<ModeEvent> output)
    {
        if (_parser is not null)
        {
            var undecided = _parser.Mode is null;
            _parser.Finish(endedNaturally, _parsed);
            Route(output);
            JudgeWasAnswer = undecided && _parser.Mode is not null;
            if (JudgeWasAnswer)
                ReasoningTokens = 0;
        }
        if (!_stops.Stopped)
            Emit(_stops.Flush(), output);
    }

    /// <summary>Moves the parsed events to the output, answer text through the stop strings.</summary>
    private void Route(List<ModeEvent> output)
    {
        foreach (var e in _parsed)
        {
            if (_stops.Stopped)
                break;
            if (e.Kind == ModeEventKind.Answer)
                Emit(_stops.Feed(e.Text), output);
            else
                output.Add(e);
        }
        _parsed.Clear();
    }

    private static void Emit(string answer, List<ModeEvent> output)
    {
        if (answer.Length > 0)
            output.Add(new ModeEvent(ModeEventKind.Answer, answer));
    }
}

using System.Text;

namespace HiPO.ModeParsing;

/// <summary>
/// Parses HiPO's reply format,
/// <c>&lt;judge&gt;why&lt;/judge&gt; &lt;think_on&gt; &lt;think&gt;reasoning&lt;/think&gt; &lt;answer&gt;answer&lt;/answer&gt;</c>
/// or <c>&lt;judge&gt;why&lt;/judge&gt; &lt;think_off&gt; &lt;answer&gt;answer&lt;/answer&gt;</c>, from streamed
/// chunks that may split tags anywhere. The events are the same however the text is chunked.
/// </summary>
/// <remarks>
/// <para>
/// Tags never reach event text. One newline after an opening tag and one before a closing tag are
/// trimmed; whitespace between blocks is dropped. Only a possible tag prefix (and that one trailing
/// newline) is held back, so a stray <c>&lt;</c>, as in <c>a &lt; b</c> or <c>&lt;div&gt;</c>, passes
/// through as soon as it cannot begin a tag.
/// </para>
/// <para>Malformed replies degrade as follows:</para>
/// <list type="bullet">
/// <item>A reply that never leaves the judge block (no tags at all) is the answer when it ended
/// naturally: <see cref="Finish"/> then decides <see cref="ThinkMode.Off"/> and emits the whole judge
/// text again as one answer event (streaming clients have already seen it as judge; a whole response
/// reports it as the answer only). A truncated one stays judge with no mode.</item>
/// <item>A decision tag without <c>&lt;/judge&gt;</c> ends the judge there.</item>
/// <item><c>&lt;think&gt;</c> without <c>&lt;think_on&gt;</c> decides <see cref="ThinkMode.On"/>;
/// <c>&lt;answer&gt;</c> without a decision, or answer text without one (see below), decides
/// <see cref="ThinkMode.Off"/>. The decision is always emitted before the text it governs.</item>
/// <item>Text between blocks is not dropped: after <c>&lt;think_on&gt;</c> it is reasoning; after
/// <c>&lt;/judge&gt;</c>, <c>&lt;think_off&gt;</c> or <c>&lt;/think&gt;</c> it is answer, as is text
/// before any tag when the reply does not start in the judge block (a model without the HiPO format;
/// a leading <c>&lt;judge&gt;</c> still opens the judge). Its leading whitespace is dropped, and an
/// opening tag that follows it vanishes without ending it.</item>
/// <item><c>&lt;answer&gt;</c> without <c>&lt;/think&gt;</c> ends the reasoning there. Without
/// <c>&lt;/think&gt;</c> at all, everything after <c>&lt;think&gt;</c> is reasoning and the answer is empty.</item>
/// <item>Without <c>&lt;/answer&gt;</c> the answer runs to the end. Text after it is dropped
/// (<see cref="ReplySection.Done"/>): the server stops generating there.</item>
/// <item>Tags out of order (a second decision, <c>&lt;think&gt;</c> in a think-off reply, anything
/// after <c>&lt;/answer&gt;</c>) are dropped without effect.</item>
/// <item>A truncated reply keeps whatever was decided so far; a tag it was cut off in the middle of
/// is dropped with the newline before it. At a natural end, such an unfinished tag is plain text.</item>
/// </list>
/// </remarks>
public sealed class HipoReplyParser : IReasoningParser
{
    // Held back until the next chunk shows whether they are layout around a tag or text.
    private string heldTag = "";
    private bool heldNewline;

    // Whitespace between blocks is layout; the first other character opens Section's block.
    private bool betweenBlocks;
    private bool atBlockStart;

    // A <judge> after anything was emitted is a stray tag, not the start of the reply.
    private bool anyEvent;

    private bool answerTagRead;

    // Kept while in the judge block so that a reply which never leaves it can become the answer;
    // null when the reply has no judge block.
    private StringBuilder? judge;

    public HipoReplyParser(bool startsInJudge = true)
    {
        if (startsInJudge)
            OpenBlock(ReplySection.Judge);
        else
            (Section, betweenBlocks) = (ReplySection.Answer, true);
    }

    public ReplySection Section { get; private set; }

    public ThinkMode? Mode { get; private set; }

    /// <summary>
    /// After an <c>&lt;answer&gt;</c> tag and before <c>&lt;/answer&gt;</c>: where structured output applies. A late
    /// <c>&lt;answer&gt;</c> that vanishes from stray answer text counts too, since the model meant the answer to start there.
    /// </summary>
    public bool InAnswerBlock => answerTagRead && Section == ReplySection.Answer;

    // Lets the history reader (HipoTranscript) see each tag, before this parser acts on it or drops it; streaming ignores it.
    internal Action<string>? TagRead { get; init; }

    public void Feed(string chunk, List<ModeEvent> events)
    {
        string text = heldTag + chunk;
        heldTag = "";
        int plainStart = 0, searchFrom = 0;
        while (Section != ReplySection.Done)
        {
            int lt = text.IndexOf('<', searchFrom);
            if (lt < 0)
                break;
            var rest = text.AsSpan(lt);
            var (tag, partial) = TagAt(rest);
            if (tag is not null)
            {
                Plain(text.AsSpan(plainStart, lt - plainStart), events);
                TagRead?.Invoke(tag);
                answerTagRead |= tag == HipoTags.AnswerOpen;
                Apply(tag, events);
                plainStart = searchFrom = lt + tag.Length;
            }
            else if (partial)
            {
                Plain(text.AsSpan(plainStart, lt - plainStart), events);
                heldTag = rest.ToString();
                return;
            }
            else
                searchFrom = lt + 1;
        }
        Plain(text.AsSpan(plainStart), events);
    }

    public void Finish(bool endedNaturally, List<ModeEvent> events)
    {
        // Cut off by a limit, an unfinished tag was most likely a tag, and the newline before it
        // layout; at a natural end it is text.
        if (endedNaturally)
            Plain(heldTag, events);
        else if (heldTag.Length > 0)
            heldNewline = false;
        heldTag = "";
        if (heldNewline)
        {
            heldNewline = false;
            Emit("\n", events);
        }

        if (endedNaturally && Section == ReplySection.Judge)
        {
            // No tag ever closed the judge block: the model did not use the HiPO format at all.
            string answer = judge!.ToString();
            Decide(ThinkMode.Off, events);
            Section = ReplySection.Answer;
            Emit(answer, events);
        }
    }

    // The tag text starts with, else whether text is the start of one that the next chunk may complete.
    // No tag is a prefix of another, so the order of the checks does not matter.
    private static (string? Tag, bool Partial) TagAt(ReadOnlySpan<char> text)
    {
        foreach (string tag in HipoTags.All)
        {
            if (text.StartsWith(tag, StringComparison.Ordinal))
                return (tag, false);
            if (text.Length < tag.Length && tag.AsSpan().StartsWith(text, StringComparison.Ordinal))
                return (null, true);
        }
        return (null, false);
    }

    // Tags only ever move the reply forward; one that would not is dropped.
    private void Apply(string tag, List<ModeEvent> events)
    {
        switch (tag)
        {
            case HipoTags.JudgeOpen when !anyEvent:
                OpenBlock(ReplySection.Judge);
                break;
            case HipoTags.JudgeClose when Section == ReplySection.Judge:
                CloseBlock(ReplySection.Answer);
                break;
            case HipoTags.ThinkOn or HipoTags.ThinkOff when Mode is null:
                var mode = tag == HipoTags.ThinkOn ? ThinkMode.On : ThinkMode.Off;
                Decide(mode, events);
                CloseBlock(mode == ThinkMode.On ? ReplySection.Reasoning : ReplySection.Answer);
                break;
            case HipoTags.ThinkOpen when Mode is null || (Section == ReplySection.Reasoning && betweenBlocks):
                OpenBlock(ReplySection.Reasoning, implied: ThinkMode.On, events);
                break;
            case HipoTags.ThinkClose when Section == ReplySection.Reasoning:
                CloseBlock(ReplySection.Answer);
                break;
            case HipoTags.AnswerOpen when Section != ReplySection.Done && (Section != ReplySection.Answer || betweenBlocks):
                OpenBlock(ReplySection.Answer, implied: ThinkMode.Off, events);
                break;
            case HipoTags.AnswerClose when Section == ReplySection.Answer:
                CloseBlock(ReplySection.Done);
                break;
            default:
                return;
        }
        heldNewline = false;
    }

    private void OpenBlock(ReplySection section)
    {
        Section = section;
        betweenBlocks = false;
        atBlockStart = true;
        if (section == ReplySection.Judge)
            judge ??= new StringBuilder();
    }

    // A block that belongs to one mode decides it when the reply has not, before any of its text.
    private void OpenBlock(ReplySection section, ThinkMode implied, List<ModeEvent> events)
    {
        if (Mode is null)
            Decide(implied, events);
        OpenBlock(section);
    }

    // The section is where text that strays outside the blocks will go.
    private void CloseBlock(ReplySection next)
    {
        Section = next;
        betweenBlocks = true;
    }

    private void Decide(ThinkMode mode, List<ModeEvent> events)
    {
        Mode = mode;
        events.Add(new ModeEvent(ModeEventKind.ModeDecided, "", mode));
        anyEvent = true;
    }

    private void Plain(ReadOnlySpan<char> text, List<ModeEvent> events)
    {
        if (Section == ReplySection.Done)
            return;
        if (betweenBlocks)
        {
            text = text.TrimStart();
            if (text.IsEmpty)
                return;
            if (Mode is null)
                Decide(ThinkMode.Off, events);
            betweenBlocks = atBlockStart = false;
        }
        if (atBlockStart && !text.IsEmpty)
        {
            atBlockStart = false;
            if (text[0] == '\n')
                text = text[1..];
        }
        if (text.IsEmpty)
            return;

        // A block's last newline belongs to the layout if a closing tag follows, so wait for it.
        string newline = heldNewline ? "\n" : "";
        heldNewline = text[^1] == '\n';
        if (heldNewline)
            text = text[..^1];
        Emit(newline + text.ToString(), events);
    }

    private void Emit(string text, List<ModeEvent> events)
    {
        if (text.Length == 0)
            return;
        var kind = Section switch
        {
            ReplySection.Judge => ModeEventKind.Judge,
            ReplySection.Reasoning => ModeEventKind.Reasoning,
            _ => ModeEventKind.Answer,
        };
        if (kind == ModeEventKind.Judge)
            judge!.Append(text);
        events.Add(new ModeEvent(kind, text));
        anyEvent = true;
    }
}
